"""The fake Slack Web API behaves like Slack for the real slack_sdk client and for Bolt."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import parse_qs

import pytest
from fakeslack import FakeSlack
from fakeslack.signing import event_body, interactive_body, sign, slash_command_body
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

TOKEN = "xoxb-test"


@pytest.fixture
def fake():
    with FakeSlack() as server:
        yield server


@pytest.fixture
def client(fake):
    return WebClient(base_url=fake.base_url, token=TOKEN)


def section(text: str, block_id: str | None = None) -> dict:
    block = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if block_id:
        block["block_id"] = block_id
    return block


def plain(text: str) -> dict:
    return {"type": "plain_text", "text": text}


def option(text: str, value: str) -> dict:
    return {"text": plain(text), "value": value}


def create_modal(**overrides) -> dict:
    """A modal shaped like oppbot's create form, using the element types it needs."""
    view = {
        "type": "modal",
        "callback_id": "opp_create",
        "title": plain("New opportunity"),
        "submit": plain("Create"),
        "close": plain("Cancel"),
        "private_metadata": json.dumps({"channel": "C111"}),
        "blocks": [
            {"type": "header", "text": plain("Opportunity")},
            {
                "type": "input",
                "block_id": "title",
                "label": plain("Title"),
                "element": {"type": "plain_text_input", "action_id": "value", "max_length": 200},
            },
            {
                "type": "input",
                "block_id": "customer",
                "label": plain("Customer"),
                "element": {"type": "external_select", "action_id": "value", "min_query_length": 1},
            },
            {
                "type": "input",
                "block_id": "stage",
                "label": plain("Stage"),
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "options": [option("Lead", "lead"), option("Qualified", "qualified")],
                    "initial_option": option("Lead", "lead"),
                },
            },
            {
                "type": "input",
                "block_id": "close_date",
                "optional": True,
                "label": plain("Expected close"),
                "element": {"type": "datepicker", "action_id": "value"},
            },
            {
                "type": "input",
                "block_id": "assignee",
                "optional": True,
                "label": plain("Assign to"),
                "element": {"type": "users_select", "action_id": "value"},
            },
            {
                "type": "actions",
                "block_id": "more",
                "elements": [
                    {"type": "button", "action_id": "new_customer", "text": plain("New customer"), "value": "x"},
                ],
            },
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "Values in *USD*"}]},
        ],
    }
    view.update(overrides)
    return view


def test_records_calls_with_args_headers_and_increasing_ts(fake, client):
    first = client.chat_postMessage(channel="C1", text="hello", blocks=[section("*hi*")])
    second = client.chat_postMessage(channel="C1", text="again")

    assert first["ok"] and first["channel"] == "C1" and first["message"]["text"] == "hello"
    assert float(first["ts"]) < float(second["ts"])
    calls = fake.wait_for("chat.postMessage", count=2)
    assert [c.args["text"] for c in calls] == ["hello", "again"]
    assert calls[0].args["blocks"] == [section("*hi*")]
    assert calls[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert calls[0].token == TOKEN
    assert fake.messages[("C1", first["ts"])]["text"] == "hello"
    assert fake.violations == [] and fake.rejected == []


def test_form_encoded_bodies_have_json_fields_decoded(fake, client):
    blocks = [section("from a form")]
    client.api_call("chat.postEphemeral", params={"channel": "C1", "user": "W1", "blocks": json.dumps(blocks)})

    (call,) = fake.calls_to("chat.postEphemeral")
    assert call.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert call.args == {"channel": "C1", "user": "W1", "blocks": blocks}


def test_message_update_and_delete_track_the_message(fake, client):
    posted = client.chat_postMessage(channel="C1", text="v1")
    client.chat_update(channel="C1", ts=posted["ts"], text="v2", blocks=[section("v2")])
    assert fake.messages[("C1", posted["ts"])]["text"] == "v2"
    client.chat_delete(channel="C1", ts=posted["ts"])
    assert ("C1", posted["ts"]) not in fake.messages
    assert [c.method for c in fake.calls] == ["chat.postMessage", "chat.update", "chat.delete"]


def test_auth_test_and_per_token_teams(fake):
    assert WebClient(base_url=fake.base_url, token=TOKEN).auth_test()["team_id"] == "T111"

    fake.tokens = {"xoxb-a": "TA", "xoxb-b": "TB"}
    info = WebClient(base_url=fake.base_url, token="xoxb-b").auth_test()
    assert (info["team_id"], info["user_id"], info["bot_id"]) == ("TB", "UBOT", "BBOT")
    with pytest.raises(SlackApiError) as e:
        WebClient(base_url=fake.base_url, token="xoxb-unknown").auth_test()
    assert e.value.response["error"] == "invalid_auth"
    assert fake.rejected[-1].error == "invalid_auth"


def test_missing_token_is_not_authed(fake):
    with pytest.raises(SlackApiError) as e:
        WebClient(base_url=fake.base_url).chat_postMessage(channel="C1", text="x")
    assert e.value.response["error"] == "not_authed"
    assert fake.calls_to("chat.postMessage") == []


def test_users_info_defaults_and_overrides(fake, client):
    user = client.users_info(user="W1")["user"]
    assert (user["id"], user["is_admin"], user["is_owner"], user["tz"]) == ("W1", False, False, "Europe/Oslo")
    assert user["real_name"]

    fake.users["W2"] = {"is_admin": True, "tz": "America/New_York", "real_name": "Ada"}
    user = client.users_info(user="W2")["user"]
    assert (user["is_admin"], user["tz"], user["real_name"]) == (True, "America/New_York", "Ada")
    assert user["tz_offset"] in (-5 * 3600, -4 * 3600)


def test_conversations_permalink_team_and_socket_methods(fake, client):
    assert client.conversations_open(users="W1")["channel"]["id"] == "DW1"
    fake.channels["C9"] = {"name": "deals", "is_member": False}
    channel = client.conversations_info(channel="C9")["channel"]
    assert (channel["name"], channel["is_member"]) == ("deals", False)
    link = client.chat_getPermalink(channel="C1", message_ts="1700000000.000100")["permalink"]
    assert link.endswith("/archives/C1/p1700000000000100")
    assert client.team_info()["team"]["id"] == "T111"
    app_client = WebClient(base_url=fake.base_url, token="xapp-1-test")
    assert app_client.apps_connections_open(app_token="xapp-1-test")["url"].startswith("ws://")


def test_oauth_v2_access_default_and_configured(fake):
    anonymous = WebClient(base_url=fake.base_url)
    answer = anonymous.oauth_v2_access(client_id="cid", client_secret="secret", code="c0de")
    assert answer["token_type"] == "bot" and answer["team"]["id"] == "T111" and answer["bot_user_id"] == "UBOT"
    (call,) = fake.calls_to("oauth.v2.access")
    assert call.args["code"] == "c0de" and call.headers["authorization"].startswith("Basic ")

    fake.oauth_response = {"ok": False, "error": "invalid_code"}
    with pytest.raises(SlackApiError) as e:
        anonymous.oauth_v2_access(client_id="cid", client_secret="secret", code="bad")
    assert e.value.response["error"] == "invalid_code"


def test_oauth_install_token_is_accepted_when_tokens_are_enforced(fake):
    fake.tokens = {"xoxb-a": "TA"}
    fake.oauth_response = {
        "ok": True,
        "access_token": "xoxb-new",
        "token_type": "bot",
        "team": {"id": "TNEW", "name": "New"},
        "bot_user_id": "UBOT",
        "app_id": "A111",
        "authed_user": {"id": "W9"},
        "scope": "commands,chat:write",
    }
    WebClient(base_url=fake.base_url).oauth_v2_access(client_id="c", client_secret="s", code="x")
    assert WebClient(base_url=fake.base_url, token="xoxb-new").auth_test()["team_id"] == "TNEW"


def test_unknown_method_answers_unknown_method(fake, client):
    with pytest.raises(SlackApiError) as e:
        client.api_call("reactions.add", json={"channel": "C1", "name": "x", "timestamp": "1.2"})
    assert e.value.response["error"] == "unknown_method"
    assert fake.calls == []

    fake.on("reactions.add", lambda call: {"ok": True})
    assert client.api_call("reactions.add", json={"channel": "C1"})["ok"]


def test_51_blocks_are_rejected_and_50_accepted(fake, client):
    client.chat_postMessage(channel="C1", text="fifty", blocks=[section(f"b{i}") for i in range(50)])
    assert fake.violations == []

    with pytest.raises(SlackApiError) as e:
        client.chat_postMessage(channel="C1", text="too many", blocks=[section(f"b{i}") for i in range(51)])
    assert e.value.response["error"] == "invalid_blocks"
    assert any("/blocks" in m for m in e.value.response["response_metadata"]["messages"])
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert fake.rejected[-1].error == "invalid_blocks"
    assert len(fake.violations) == 1 and "no more than 50 items" in fake.violations[0]


def test_modal_title_over_24_chars_is_invalid_arguments(fake, client):
    with pytest.raises(SlackApiError) as e:
        client.views_open(trigger_id="t1", view=create_modal(title=plain("A title that is too long!")))
    body = e.value.response.data
    assert body["ok"] is False and body["error"] == "invalid_arguments"
    assert any("/view/title" in m for m in body["response_metadata"]["messages"])
    assert fake.violations and fake.calls_to("views.open") == []


def test_valid_modal_and_home_pass_and_views_get_ids(fake, client):
    opened = client.views_open(trigger_id="t1", view=create_modal())["view"]
    assert opened["id"].startswith("V") and opened["hash"]
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=create_modal())["view"]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    pushed = client.views_push(trigger_id="t2", view=create_modal(callback_id="opp_note"))["view"]
    assert pushed["id"] != opened["id"]

    home = {"type": "home", "blocks": [{"type": "header", "text": plain("Pipeline")}] + [section("x")] * 99}
    home["blocks"] = [dict(b, block_id=f"b{i}") for i, b in enumerate(home["blocks"])]
    published = client.views_publish(user_id="W1", view=home)["view"]
    assert fake.home_views["W1"]["id"] == published["id"]
    fake.assert_clean()


def test_stale_view_hash_and_reused_trigger_are_refused(fake, client):
    opened = client.views_open(trigger_id="t1", view=create_modal())["view"]
    client.views_update(view_id=opened["id"], view=create_modal())
    with pytest.raises(SlackApiError) as e:
        client.views_update(view_id=opened["id"], hash=opened["hash"], view=create_modal())
    assert e.value.response["error"] == "hash_conflict"

    with pytest.raises(SlackApiError) as e:
        client.views_open(trigger_id="t1", view=create_modal())
    assert e.value.response["error"] == "expired_trigger_id"
    assert any("used twice" in v for v in fake.violations)


def _too_long_button() -> dict:
    return {"type": "actions", "elements": [{"type": "button", "action_id": "a", "text": plain("x" * 76)}]}


def _select(options: list[dict]) -> dict:
    return dict(section("pick"), accessory={"type": "static_select", "action_id": "s", "options": options})


@pytest.mark.parametrize(
    "blocks, pointer",
    [
        ([section("x" * 3001)], "/blocks/0/text/text"),
        ([{"type": "header", "text": plain("x" * 151)}], "/blocks/0/text/text"),
        ([_too_long_button()], "/blocks/0/elements/0/text/text"),
        ([_select([option("x" * 76, "v")])], "/blocks/0/accessory/options/0/text/text"),
        ([_select([option("ok", "v" * 151)])], "/blocks/0/accessory/options/0/value"),
        ([_select([option(f"o{i}", f"v{i}") for i in range(101)])], "/blocks/0/accessory/options"),
        (
            [
                {
                    "type": "actions",
                    "elements": [{"type": "button", "action_id": f"a{i}", "text": plain("b")} for i in range(26)],
                }
            ],
            "/blocks/0/elements",
        ),
        (
            [{"type": "actions", "elements": [{"type": "button", "action_id": "a" * 256, "text": plain("b")}]}],
            "/blocks/0/elements/0/action_id",
        ),
        ([section("a", block_id="b" * 256)], "/blocks/0/block_id"),
        ([section("a", block_id="same"), section("b", block_id="same")], "/blocks/1/block_id"),
        ([section("")], "/blocks/0/text/text"),
        ([{"type": "no_such_block"}], "/blocks/0/type"),
    ],
)
def test_block_limits_in_messages(fake, client, blocks, pointer):
    with pytest.raises(SlackApiError) as e:
        client.chat_postMessage(channel="C1", text="t", blocks=blocks)
    assert e.value.response["error"] == "invalid_blocks"
    assert any(pointer in v for v in fake.violations), fake.violations
    assert fake.calls_to("chat.postMessage") == []


def test_message_text_over_40000_chars_is_too_long(fake, client):
    with pytest.raises(SlackApiError) as e:
        client.chat_postMessage(channel="C1", text="x" * 40001)
    assert e.value.response["error"] == "msg_too_long"
    assert fake.violations


@pytest.mark.parametrize(
    "overrides, pointer",
    [
        ({"submit": plain("x" * 25)}, "/view/submit"),
        ({"close": plain("x" * 25)}, "/view/close"),
        ({"private_metadata": "x" * 3001}, "/view/private_metadata"),
        ({"callback_id": "x" * 256}, "/view/callback_id"),
        ({"blocks": [section(f"{i}") for i in range(101)]}, "/view/blocks"),
        ({"submit": None}, "/view/submit"),
    ],
)
def test_view_limits(fake, client, overrides, pointer):
    with pytest.raises(SlackApiError) as e:
        client.views_open(trigger_id="t", view=create_modal(**overrides))
    assert e.value.response["error"] == "invalid_arguments"
    assert any(pointer in v for v in fake.violations), fake.violations


def test_home_view_with_101_blocks_is_refused(fake, client):
    with pytest.raises(SlackApiError):
        client.views_publish(user_id="W1", view={"type": "home", "blocks": [section(f"{i}") for i in range(101)]})
    assert fake.home_views == {} and fake.violations


def test_429_injection_then_retry_after_succeeds(fake):
    fake.fail_next("chat.postMessage", count=1, status=429, retry_after=1)
    client = WebClient(
        base_url=fake.base_url, token=TOKEN, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)]
    )
    started = time.monotonic()
    assert client.chat_postMessage(channel="C1", text="once")["ok"]
    assert time.monotonic() - started >= 1.0
    assert len(fake.calls_to("chat.postMessage")) == 1
    (rejected,) = fake.rejected
    assert (rejected.method, rejected.status, rejected.error) == ("chat.postMessage", 429, "ratelimited")


def test_429_shape_without_retry_handler(fake, client):
    fake.fail_next("users.info", count=1, status=429, retry_after=7)
    with pytest.raises(SlackApiError) as e:
        client.users_info(user="W1")
    assert e.value.response.status_code == 429
    assert e.value.response.headers["Retry-After"] == "7"
    assert e.value.response.data == {"ok": False, "error": "ratelimited"}
    assert client.users_info(user="W1")["ok"]  # only the next call was failed


@pytest.mark.parametrize("status", [500, 503])
def test_5xx_injection(fake, client, status):
    fake.fail_next("chat.update", count=1, status=status)
    with pytest.raises(SlackApiError) as e:
        client.chat_update(channel="C1", ts="1.2", text="x")
    assert e.value.response.status_code == status

    fake.fail_next("chat.update", count=2, status=status)
    handler = ServerErrorRetryHandler(max_retry_count=2, interval_calculator=FixedValueRetryIntervalCalculator(0.01))
    retrying = WebClient(base_url=fake.base_url, token=TOKEN, retry_handlers=[handler])
    assert retrying.chat_update(channel="C1", ts="1.2", text="x")["ok"]
    assert len(fake.calls_to("chat.update")) == 1
    assert [c.status for c in fake.rejected] == [status] * 3


def test_response_url_records_posts_and_refuses_the_sixth(fake):
    url = fake.response_url("cmd1")
    webhook = WebhookClient(url)
    assert webhook.send_dict({"text": "hi", "response_type": "ephemeral", "blocks": [section("hi")]}).status_code == 200
    assert fake.wait_for_responses(key="cmd1")[0].body["text"] == "hi"
    for _ in range(4):
        assert webhook.send(text="more").status_code == 200
    sixth = webhook.send(text="one too many")
    assert sixth.status_code == 404 and sixth.body == "used_url"
    assert len(fake.responses_to(url)) == 5
    assert fake.rejected[-1].method == "response_url" and fake.rejected[-1].status == 404


def test_response_url_checks_blocks(fake):
    response = WebhookClient(fake.response_url()).send(text="x", blocks=[section(f"{i}") for i in range(51)])
    assert response.status_code == 400 and fake.responses == [] and fake.violations


def test_per_channel_rate_limit(fake, client):
    fake.rate_limit_per_channel = 1.0
    client.chat_postMessage(channel="C1", text="first")
    with pytest.raises(SlackApiError) as e:
        client.chat_postMessage(channel="C1", text="second")
    assert e.value.response.status_code == 429 and e.value.response.headers["Retry-After"] == "1"
    client.chat_postMessage(channel="C2", text="other channel is fine")

    retrying = WebClient(base_url=fake.base_url, token=TOKEN, retry_handlers=[RateLimitErrorRetryHandler()])
    retrying.chat_postMessage(channel="C1", text="second, after waiting")
    assert [c.args["text"] for c in fake.calls_to("chat.postMessage")] == [
        "first",
        "other channel is fine",
        "second, after waiting",
    ]
    # The retried post may or may not have hit the limit once, depending on how long the above took.
    assert fake.rejected[0].args["text"] == "second"
    assert all(c.status == 429 for c in fake.rejected)


def test_wait_for_sees_calls_from_other_threads_and_times_out_helpfully(fake, client):
    threading.Timer(0.2, lambda: client.chat_postMessage(channel="C1", text="later")).start()
    (call,) = fake.wait_for("chat.postMessage", timeout=5, predicate=lambda c: c.args["text"] == "later")
    assert call.args["channel"] == "C1"
    with pytest.raises(AssertionError, match=r"expected 2 accepted chat\.postMessage"):
        fake.wait_for("chat.postMessage", count=2, timeout=0.2)


def test_reset_forgets_calls_but_keeps_configuration(fake, client):
    fake.users["W1"] = {"is_admin": True}
    client.chat_postMessage(channel="C1", text="x")
    fake.fail_next("auth.test", 3)
    fake.reset()
    assert fake.calls == [] and fake.rejected == [] and fake.messages == {}
    assert client.auth_test()["ok"]
    assert client.users_info(user="W1")["user"]["is_admin"] is True


def test_unknown_path_is_404_and_server_is_quiet(fake, capfd):
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(f"{fake.url}/nope")
    assert e.value.code == 404
    WebClient(base_url=fake.base_url, token=TOKEN).auth_test()
    assert capfd.readouterr().err == ""
    assert fake.errors == []


def test_signing_matches_slack_sdk_verifier():
    body = slash_command_body("show #42")
    headers = sign("s3cret", body)
    assert SignatureVerifier("s3cret").is_valid_request(body, headers)
    assert not SignatureVerifier("other").is_valid_request(body, headers)
    old = sign("s3cret", body, timestamp=int(time.time()) - 301)
    assert not SignatureVerifier("s3cret").is_valid_request(body, old)


def test_request_body_builders():
    body = slash_command_body("new Big deal", response_url="http://x/response/1")
    form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
    assert (form["command"], form["text"], form["team_id"], form["user_id"]) == ("/opp", "new Big deal", "T111", "W111")
    assert form["response_url"] == "http://x/response/1" and "enterprise_id" not in form
    assert parse_qs(slash_command_body("")) and slash_command_body("a") != slash_command_body("a")  # fresh trigger_id

    payload = {"type": "block_actions", "actions": [{"action_id": "a"}]}
    assert json.loads(parse_qs(interactive_body(payload).decode())["payload"][0]) == payload

    first, second = (json.loads(event_body({"type": "app_home_opened", "user": "W1", "tab": "home"})) for _ in range(2))
    assert first["type"] == "event_callback" and first["team_id"] == "T111"
    assert first["event"]["type"] == "app_home_opened" and first["event_id"] != second["event_id"]
    assert first["authorizations"][0]["team_id"] == "T111"


def test_bolt_app_against_the_fake(fake, monkeypatch):
    """Bolt's auth.test at construction, respond() and views.open all work against the fake, end to end."""
    from slack_bolt import App, BoltRequest

    monkeypatch.delenv("SLACK_CLIENT_ID", raising=False)
    monkeypatch.delenv("SLACK_CLIENT_SECRET", raising=False)
    app = App(signing_secret="s3cret", client=WebClient(base_url=fake.base_url, token=TOKEN))

    @app.command("/opp")
    def handle(ack, body, respond, client):
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=create_modal())
        respond(text=f"got {body['text']}")

    body = slash_command_body("new Deal", response_url=fake.response_url("bolt"))
    headers = {k: [v] for k, v in sign("s3cret", body).items()}
    headers["content-type"] = ["application/x-www-form-urlencoded"]
    response = app.dispatch(BoltRequest(body=body.decode(), headers=headers))

    assert response.status == 200
    assert fake.wait_for_responses(key="bolt")[0].body["text"] == "got new Deal"
    assert fake.calls_to("auth.test") and fake.calls_to("views.open")
    fake.assert_clean()


# --- fault tests' tools (issue 18): history with metadata, every n-th post failing, held calls ---------------------


def test_history_is_newest_first_in_pages_and_carries_metadata_only_when_asked(fake, client):
    marker = {"event_type": "oppbot_effect", "event_payload": {"effect": "e1/notify:C1"}}
    client.chat_postMessage(channel="C1", text="first", metadata=marker)
    for n in range(3):
        client.chat_postMessage(channel="C1", text=f"later {n}")
    client.chat_postMessage(channel="C2", text="elsewhere")

    page = client.conversations_history(channel="C1", limit=2)
    assert [m["text"] for m in page["messages"]] == ["later 2", "later 1"] and page["has_more"]
    rest = client.conversations_history(channel="C1", limit=2, cursor=page["response_metadata"]["next_cursor"])
    assert [m["text"] for m in rest["messages"]] == ["later 0", "first"] and not rest["has_more"]
    assert "metadata" not in rest["messages"][1]
    with_metadata = client.conversations_history(channel="C1", include_all_metadata=True)
    assert with_metadata["messages"][-1]["metadata"] == marker


def test_fail_every_fails_each_channels_every_other_post(fake, client):
    fake.fail_every("chat.postMessage", 2, status=429, retry_after=1)
    outcomes = []
    for channel in ("C1", "C1", "C2", "C1", "C2"):
        try:
            client.chat_postMessage(channel=channel, text="x")
            outcomes.append("ok")
        except SlackApiError as exc:
            outcomes.append(exc.response.status_code)
    assert outcomes == ["ok", 429, "ok", "ok", 429]


def test_a_held_call_waits_and_before_release_either_posted_or_left_no_trace(fake, client):
    after = fake.hold("chat.postMessage", after=True)
    answers = []
    thread = threading.Thread(target=lambda: answers.append(client.chat_postMessage(channel="C1", text="held")))
    thread.start()
    assert after.arrived.wait(10)
    assert [m["text"] for m in fake.history("C1")] == ["held"] and answers == []  # posted; the answer waits
    after.release()
    thread.join(10)
    assert answers[0]["ok"]

    before = fake.hold("chat.postMessage", after=False)
    failures = []

    def post() -> None:
        try:
            WebClient(base_url=fake.base_url, token=TOKEN).chat_postMessage(channel="C1", text="never")
        except SlackApiError as exc:
            failures.append(exc.response.status_code)

    thread = threading.Thread(target=post)
    thread.start()
    assert before.arrived.wait(10)
    before.release()
    thread.join(10)
    assert failures == [503] and [m["text"] for m in fake.history("C1")] == ["held"]
