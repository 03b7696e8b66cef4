"""Input serializers built on api.serializers.FieldsBuiltOnce share one set of fields per
class, and each validation is still its own."""

from concurrent.futures import ThreadPoolExecutor

from ocpp_bridge.api.serializers import RawRequestSerializer

GOOD = {"action": "Reset", "assetId": "CP-1", "payload": {"type": "Soft"}, "network": {"id": "n"}}


def test_the_fields_are_built_once_for_every_instance() -> None:
    first, second = RawRequestSerializer(data=GOOD), RawRequestSerializer(data={})
    assert first.fields is second.fields
    assert set(first.fields) == {"action", "assetId", "payload", "network", "requestId", "async"}


def test_each_instance_keeps_its_own_data_errors_and_result() -> None:
    bad = RawRequestSerializer(data={"assetId": 5, "payload": "text", "network": {}})
    good = RawRequestSerializer(data=GOOD)

    assert not bad.is_valid()
    assert good.is_valid(), good.errors
    assert set(bad.errors) == {"action", "payload", "network"}
    assert good.validated_data["network"] == {"id": "n"}
    assert good.validated_data["async"] is True  # the default, not a value of another request


def test_concurrent_validations_do_not_mix() -> None:
    def validate(n: int) -> tuple[bool, str | None]:
        body = {**GOOD, "assetId": f"CP-{n}"} if n % 2 else {**GOOD, "payload": n}
        serializer = RawRequestSerializer(data=body)
        valid = serializer.is_valid()
        return valid, serializer.validated_data.get("assetId") if valid else None

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(validate, range(400)))
    assert results == [(True, f"CP-{n}") if n % 2 else (False, None) for n in range(400)]
