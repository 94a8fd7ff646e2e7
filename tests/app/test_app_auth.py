"""With an [auth] section in secrets the app signs people in and maps them to a role."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from app_warehouse import APP

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-secret",
    "client_id": "mileage",
    "client_secret": "test",
    "server_metadata_url": "http://127.0.0.1:1/.well-known/openid-configuration",
}
ROLES = {"roles": {"hr": ["people@acme.test"], "leadership": ["cto@acme.test"]}}


def signed_in(email: str | None, logged_in: bool = True) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.secrets["auth"] = AUTH
    at.secrets["mileage"] = ROLES
    at.user = {"is_logged_in": logged_in, "email": email, "name": "Someone"}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_logged_out_users_see_only_a_login_button(serve, small_warehouse):
    serve(small_warehouse)
    at = signed_in(None, logged_in=False)
    assert [b.label for b in at.button] == ["Log in"]
    assert not at.metric and not at.dataframe
    assert not [s for s in at.sidebar.subheader if s.value == "Demo mode"]


def test_roles_come_from_the_mapping(serve, small_warehouse):
    serve(small_warehouse)
    at = signed_in("cto@acme.test")
    assert "role: Leadership" in at.sidebar.caption[0].value
    assert at.title[0].value == "Overview"
    at = signed_in("people@acme.test")
    assert "role: HR" in at.sidebar.caption[0].value
    at.switch_page("app_pages/incentive_lab.py").run()
    assert at.title[0].value == "Incentive lab"


def test_an_engineer_is_linked_to_their_own_record(serve, small_warehouse):
    fx = serve(small_warehouse)
    email = fx.identities.email.iloc[0]  # a Payments engineer
    at = signed_in(email)
    assert "role: Engineer" in at.sidebar.caption[0].value
    at.switch_page("app_pages/teams.py").run()
    teams = next(df.value for df in at.dataframe if "team_name" in df.value.columns)
    assert teams.team_name.tolist() == ["Payments"]


def test_an_unknown_login_is_refused(serve, small_warehouse):
    serve(small_warehouse)
    at = signed_in("stranger@elsewhere.test")
    assert "not linked to an employee record" in at.error[0].value
    assert not at.metric
