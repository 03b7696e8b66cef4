from webhooks.signing import signature


def test_signature_matches_the_documented_scheme() -> None:
    # Computed outside the project: printf '1700000000.{"id":"e1"}' |
    #   openssl dgst -sha256 -hmac whsec_test
    expected = "6a85cb117c993612a34c72b4cfb5a16baed25a80d26e298ce0e6671320fd07c8"
    header = signature(secret="whsec_test", timestamp=1700000000, body=b'{"id":"e1"}')
    assert header == f"t=1700000000,v1={expected}"
