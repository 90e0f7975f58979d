"""Settings are declared once (searchsvc/settings.py), typed and checked when the service starts.

Parametrised over the table itself: a setting added to it is tested here without a line
more (its type brings the bad and good values it is tried with).
"""

from __future__ import annotations

import re

import pytest

from searchsvc import settings
from searchsvc.settings import SETTINGS, SettingsError
from searchsvc.web import create_app

from conftest import ROOT

BAD = [pytest.param(s, bad, id=f"{s.name}={bad!r}") for s in SETTINGS for bad in s.convert.bad]
GOOD = [pytest.param(s, raw, typed, id=f"{s.name}={raw!r}") for s in SETTINGS for raw, typed in s.convert.good]


@pytest.fixture
def clean_environ(monkeypatch):
    """No SEARCHSVC_* setting from the machine running the tests."""
    for s in SETTINGS:
        monkeypatch.delenv(s.name, raising=False)
    return monkeypatch


def test_every_setting_is_prefixed_documented_and_can_be_checked():
    assert len({s.name for s in SETTINGS}) == len(SETTINGS)
    for s in SETTINGS:
        assert re.fullmatch(r"SEARCHSVC_[A-Z_]+", s.name), s.name
        assert s.help and s.expects != "a valid value", s.name
        assert s.convert.bad or s.convert is settings.text, f"{s.name}: its type names no bad value to test"
        assert s.convert(s.shown_default()) == s.default, s.name  # the default, written as a variable, is itself


@pytest.mark.parametrize("setting, bad", BAD)
def test_a_bad_value_stops_create_app_with_one_error_naming_it(clean_environ, tmp_path, setting, bad):
    sources = [("create_app's config", {setting.name: bad}, {})]
    if "\0" not in str(bad):  # an environment variable cannot hold a NUL
        sources.append(("environment", {}, {setting.name: str(bad)}))
    for source, config, environ in sources:
        for name, raw in environ.items():
            clean_environ.setenv(name, raw)
        with pytest.raises(SettingsError) as caught:
            create_app({"SEARCHSVC_STATE_DIR": str(tmp_path), **config})
        shown = "(the value is secret)" if setting.secret else repr(bad)
        assert caught.value.problems == [f"{setting.name}={shown} ({source}): expected {setting.expects}"]
        if setting.secret:  # a secret is named, never echoed
            assert str(bad) not in str(caught.value)
        assert str(caught.value) == f"a setting has a bad value:\n  {caught.value.problems[0]}"
        for name in environ:
            clean_environ.delenv(name)


@pytest.mark.parametrize("setting, raw, typed", GOOD)
def test_a_good_value_reaches_the_app_typed(clean_environ, tmp_path, setting, raw, typed):
    if setting.name == "SEARCHSVC_STATE_DIR":
        raw = typed = str(tmp_path / raw) if raw else raw
    if setting.name.endswith("_STORAGE") and raw and raw.lower() != "off":
        pytest.skip("a Redis URL is tried against a real Redis in test_web_redis.py and test_desk_redis.py")
    if setting.secret:  # typed in the table; the app keeps only what it is (tests/test_desk_signin.py)
        key = {} if setting.name == "SEARCHSVC_SECRET_KEY" else {"SEARCHSVC_SECRET_KEY": "k" * settings.MIN_SECRET_CHARS}
        assert settings.load({setting.name: raw, **key}, environ={})[setting.name] == typed
        app = create_app({"SEARCHSVC_STATE_DIR": str(tmp_path), setting.name: raw, **key})
        assert not typed or str(typed[0] if isinstance(typed, tuple) else typed) not in repr(app.config)
        return
    config = {"SEARCHSVC_STATE_DIR": str(tmp_path), setting.name: raw}
    app = create_app(config)
    assert app.config[setting.name] == typed and type(app.config[setting.name]) is type(typed)
    if isinstance(raw, str) and raw.strip():  # the same through the environment
        clean_environ.setenv(setting.name, raw)
        config.pop(setting.name)
        assert create_app(config).config[setting.name] == typed


def test_editor_tokens_without_a_secret_key_stop_the_start(clean_environ, tmp_path):
    token = "t" * settings.MIN_TOKEN_CHARS
    with pytest.raises(SettingsError) as caught:
        create_app({"SEARCHSVC_STATE_DIR": str(tmp_path), "SEARCHSVC_EDITOR_TOKENS": token})
    assert caught.value.problems[0].startswith("SEARCHSVC_SECRET_KEY must be set") and token not in str(caught.value)
    # without tokens no key is needed: the desk is simply off
    assert create_app({"SEARCHSVC_STATE_DIR": str(tmp_path)}).config["SEARCHSVC_SECRET_KEY"] == ""


def test_every_bad_value_is_listed_at_once(clean_environ, tmp_path):
    clean_environ.setenv("SEARCHSVC_TIME_BUDGET", "soon")
    clean_environ.setenv("SEARCHSVC_CACHE_MB", "lots")
    with pytest.raises(SettingsError) as caught:
        create_app({"SEARCHSVC_STATE_DIR": str(tmp_path), "SEARCHSVC_RATE_LIMIT": "fast"})
    assert [p.split("=")[0] for p in caught.value.problems] == [
        "SEARCHSVC_CACHE_MB", "SEARCHSVC_RATE_LIMIT", "SEARCHSVC_TIME_BUDGET"]
    assert str(caught.value).startswith("3 settings have bad values:\n")


def test_an_empty_variable_counts_as_unset_and_config_wins_over_the_environment(clean_environ, tmp_path):
    clean_environ.setenv("SEARCHSVC_CACHE_MB", "")
    clean_environ.setenv("SEARCHSVC_TIME_BUDGET", "9")
    app = create_app({"SEARCHSVC_STATE_DIR": str(tmp_path), "SEARCHSVC_TIME_BUDGET": "2.5"})
    assert app.config["SEARCHSVC_CACHE_MB"] == 64 and app.config["SEARCHSVC_TIME_BUDGET"] == 2.5


# -- the typed values reach the parts that use them ----------------------------------

def test_the_time_budget_reaches_the_guard_as_seconds(make_app):
    app = make_app(SEARCHSVC_TIME_BUDGET="0.75", SEARCHSVC_BUDGET_THREADS="2")
    service = app.extensions["searchsvc"]
    assert service["budget"] == 0.75 and isinstance(service["budget"], float)
    assert service["budget_pool"]._max_workers == 2
    assert make_app(SEARCHSVC_TIME_BUDGET="0").extensions["searchsvc"]["budget_pool"] is None


def test_the_rate_limit_settings_reach_the_limiter(make_app):
    app = make_app(SEARCHSVC_RATE_LIMIT="2/hour", SEARCHSVC_RATE_LIMIT_EXEMPT="192.0.2.5")
    client = app.test_client()
    limited = {"REMOTE_ADDR": "192.0.2.4"}
    assert [client.get("/api/articles", environ_base=limited).status_code for _ in range(3)] == [200, 200, 429]
    exempt = {"REMOTE_ADDR": "192.0.2.5"}
    assert [client.get("/api/articles", environ_base=exempt).status_code for _ in range(3)] == [200] * 3
    assert "limiter" not in make_app(SEARCHSVC_RATE_LIMIT="off").extensions["searchsvc"]


def test_body_limit_max_age_and_origins_reach_the_responses(make_app):
    client = make_app(SEARCHSVC_MAX_BODY="10", SEARCHSVC_CACHE_MAX_AGE="7",
                      SEARCHSVC_CORS_ORIGINS="https://a.example").test_client()
    assert client.get("/api/articles", data=b"x" * 11).status_code == 413
    response = client.get("/api/articles", headers={"Origin": "https://a.example"})
    assert response.headers["Cache-Control"] == "public, max-age=7"
    assert response.headers["Access-Control-Allow-Origin"] == "https://a.example"
    other = client.get("/api/articles", headers={"Origin": "https://b.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


# -- what a user reads: the command line and README --------------------------------------

def test_serve_refuses_to_start_on_a_bad_value_and_says_which(runner, tmp_path):
    result = runner.invoke(["serve", "--index", str(tmp_path)], env={"SEARCHSVC_BUDGET_THREADS": "0"})
    assert result.exit_code == 1
    assert "SEARCHSVC_BUDGET_THREADS='0' (environment): expected a whole number, from 1 to 64" in result.output


def test_ingest_refuses_a_bad_setting_before_it_reads_a_page(runner, tmp_path):
    result = runner.invoke(["ingest", str(ROOT / "samples"), "--index", str(tmp_path / "index")],
                           env={"SEARCHSVC_INGEST_PROCS": "all"})
    assert result.exit_code == 2
    assert "SEARCHSVC_INGEST_PROCS='all' (environment): expected a whole number, from 0 to 256" in result.output
    assert not (tmp_path / "index").exists()


def test_settings_help_lists_every_setting_with_default_and_meaning(runner):
    serve_help = runner.invoke(["serve", "--help"]).output
    listed = runner.invoke(["settings"]).output
    for s in SETTINGS:
        assert f"{s.name} (default {s.shown_default() or 'empty'}): " in serve_help, s.name
        assert f"{s.name}  (default: {s.shown_default() or 'empty'})\n    {s.help}\n" in listed, s.name


def test_settings_check_names_a_bad_value_and_a_typo(runner):
    result = runner.invoke(["settings", "--check"], env={"SEARCHSVC_CACHE_MB": "x", "SEARCHSVC_CACHE_M": "1"})
    assert result.exit_code == 1
    assert "error: SEARCHSVC_CACHE_MB='x' (environment): expected a whole number, 0 or more" in result.output
    assert "warning: SEARCHSVC_CACHE_M is set but is no setting (a typo?)" in result.output


def test_readme_lists_exactly_the_settings_of_the_table():
    readme = (ROOT / "README.md").read_text("utf-8")
    block = readme.split("<!-- settings: generated by `searchsvc settings --markdown` -->\n", 1)[1]
    block = block.split("\n<!-- /settings -->", 1)[0]
    assert block == settings.markdown_table(), "README is out of date: paste `searchsvc settings --markdown` there"
