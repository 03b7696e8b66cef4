"""Secret values of the CSMS's calls are masked for display and storage; nothing else is."""

from ocpp_bridge.protocol.masking import MASK, reported_secrets_masked, secrets_masked

BASIC_AUTH = {"component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"}}
OTHER = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}


def test_1_6_authorization_key_is_masked_and_other_keys_are_not() -> None:
    secret = {"key": "AuthorizationKey", "value": "s3cret-s3cret-s3cret"}
    assert secrets_masked("ChangeConfiguration", secret) == {
        "key": "AuthorizationKey",
        "value": MASK,
    }
    assert secret["value"] == "s3cret-s3cret-s3cret"  # the payload sent is left as it was
    plain = {"key": "HeartbeatInterval", "value": "300"}
    assert secrets_masked("ChangeConfiguration", plain) is plain


def test_2x_basic_auth_password_is_masked_among_other_variables() -> None:
    payload = {
        "setVariableData": [
            {**OTHER, "attributeValue": "300"},
            {**BASIC_AUTH, "attributeValue": "s3cret-s3cret-s3cret"},
        ]
    }
    masked = secrets_masked("SetVariables", payload)
    assert [d["attributeValue"] for d in masked["setVariableData"]] == ["300", MASK]
    assert payload["setVariableData"][1]["attributeValue"] == "s3cret-s3cret-s3cret"


def test_2x_network_profile_credentials_are_masked() -> None:
    payload = {
        "configurationSlot": 1,
        "connectionData": {
            "ocppCsmsUrl": "wss://csms.example/ocpp",
            "vpn": {
                "server": "vpn.example",
                "user": "u",
                "password": "p",
                "key": "k",
                "type": "IPSec",
            },
            "apn": {"apn": "iot", "apnPassword": "a", "simPin": 1234, "apnAuthentication": "AUTO"},
        },
    }
    masked = secrets_masked("SetNetworkProfile", payload)["connectionData"]
    assert (masked["vpn"]["password"], masked["vpn"]["key"], masked["vpn"]["user"]) == (
        MASK,
        MASK,
        "u",
    )
    assert (masked["apn"]["apnPassword"], masked["apn"]["simPin"]) == (MASK, MASK)
    assert payload["connectionData"]["vpn"]["password"] == "p"


def test_other_actions_and_odd_payloads_pass_unchanged() -> None:
    reset = {"type": "Immediate"}
    assert secrets_masked("Reset", reset) is reset
    assert secrets_masked("SetVariables", {"setVariableData": "not a list"}) == {
        "setVariableData": "not a list"
    }
    assert secrets_masked("SetVariables", None) is None


def test_secrets_a_station_reports_are_masked_by_the_shape_of_what_it_sent() -> None:
    configuration = {
        "configurationKey": [
            {"key": "AuthorizationKey", "readonly": False, "value": "s3cret"},
            {"key": "HeartbeatInterval", "readonly": False, "value": "300"},
        ]
    }
    masked = reported_secrets_masked(configuration)
    assert [k["value"] for k in masked["configurationKey"]] == [MASK, "300"]
    assert configuration["configurationKey"][0]["value"] == "s3cret"  # a copy
    results = {"getVariableResult": [{**BASIC_AUTH, "attributeStatus": "Accepted",
                                      "attributeValue": "s3cret"}]}  # fmt: skip
    assert reported_secrets_masked(results)["getVariableResult"][0]["attributeValue"] == MASK
    report = {"reportData": [{**BASIC_AUTH, "variableAttribute": [{"value": "s3cret"}, {}]},
                             {**OTHER, "variableAttribute": [{"value": "300"}]}]}  # fmt: skip
    reported = reported_secrets_masked(report)["reportData"]
    assert reported[0]["variableAttribute"] == [{"value": MASK}, {}]
    assert reported[1] is report["reportData"][1]


def test_what_holds_no_secret_or_is_malformed_is_left_as_it_is() -> None:
    for payload in (
        {"status": "Accepted"},
        {"configurationKey": [{"key": "HeartbeatInterval", "value": "300"}]},
        {"configurationKey": "AuthorizationKey"},
        {"configurationKey": [None, 3, ["AuthorizationKey"]]},
        {"getVariableResult": [{"variable": "BasicAuthPassword"}]},
        {"reportData": [None, {"variable": None}, {**BASIC_AUTH, "variableAttribute": "x"}]},
        [], "text", None,
    ):  # fmt: skip
        assert reported_secrets_masked(payload) == payload
