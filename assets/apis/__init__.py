"""The asset-management REST API (/asset-management/v1/...): thin views that parse with
assets.serializers, reach the domain through assets.services / assets.selectors and render
with assets.presenters. Networks' views live in networks.apis and share these helpers."""
