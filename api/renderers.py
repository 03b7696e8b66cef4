"""The API's JSON renderer: DRF's, safe for any text an answer echoes back.

An answer may quote what the client sent (e.g. "'\\ud800' is not a valid choice."). A lone
surrogate cannot be encoded as UTF-8, so DRF's renderer (which writes non-ASCII as is) raised
while rendering the 400 and the client got a 500. Such an answer is written with every
non-ASCII character escaped instead: still the same JSON, and the common answer is unchanged.
"""

import json
from typing import Any

from rest_framework.renderers import JSONRenderer as DrfJsonRenderer


class JSONRenderer(DrfJsonRenderer):
    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Any = None,
    ) -> bytes:
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            return json.dumps(data, cls=self.encoder_class, ensure_ascii=True).encode()
