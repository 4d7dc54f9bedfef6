//! The admin portal over plain HTTP (a browser without JavaScript): links, sessions, CSRF, tenant
//! walls, the vendor's switch, and the forms' effects on events. The same flows in headless
//! Chromium are in `portal_browser.rs`.

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::Method;
use roster_testkit::{engines, TestApp};
use serde_json::{json, Value};

use crate::scim_idps::{s, summaries, Idp};

/// A browser without JavaScript: follows nothing by itself, keeps the session cookie.
pub struct Visitor<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    cookie: Option<String>,
}

pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl Page {
    /// The value of the hidden CSRF field of the page's form.
    pub fn csrf(&self) -> String {
        value_after(&self.body, "name=\"csrf\" value=\"")
    }

    pub fn has(&self, text: &str) -> bool {
        self.body.contains(text)
    }
}

fn value_after(body: &str, marker: &str) -> String {
    body.split(marker)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

impl<'a> Visitor<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Visitor {
            app,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            cookie: None,
        }
    }

    async fn send(&mut self, method: Method, url: &str, form: Option<&[(&str, &str)]>) -> Page {
        let url = if url.starts_with("http") {
            url.to_owned()
        } else {
            self.app.url(url)
        };
        let mut request = self.client.request(method, &url);
        if let Some(cookie) = &self.cookie {
            request = request.header(COOKIE, cookie);
        }
        if let Some(form) = form {
            let body: String = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form.iter())
                .finish();
            request = request
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body);
        }
        let response = request.send().await.expect("portal request");
        if let Some(set) = response.headers().get(SET_COOKIE) {
            let set = set.to_str().expect("cookie").to_owned();
            assert!(set.contains("HttpOnly"), "{set}");
            assert!(set.contains("SameSite=Lax"), "{set}");
            self.cookie = set.split(';').next().map(str::to_owned);
        }
        Page {
            status: response.status().as_u16(),
            location: response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body: response.text().await.unwrap_or_default(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        self.send(Method::POST, path, Some(form)).await
    }

    /// Opens a portal link: a redirect to `/portal` with a session cookie.
    pub async fn open(&mut self, link: &str) {
        let page = self.get(link).await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert_eq!(page.location.as_deref(), Some("/portal"));
        assert!(self.cookie.is_some(), "a session cookie");
    }
}

pub async fn portal_link(app: &TestApp, organization_id: &str) -> String {
    let created = app
        .expect(
            Method::POST,
            &format!("/api/v1/organizations/{organization_id}/portal_links"),
            None,
            201,
        )
        .await;
    assert_eq!(created["object"], "portal_link");
    assert!(created["expires_at"].is_string(), "{created}");
    s(&created["url"]).to_owned()
}

/// Configures `provider` through the portal; returns (directory id, endpoint URL, token).
pub async fn configure(visitor: &mut Visitor<'_>, provider: &str) -> (String, String, String) {
    let guide = visitor.get(&format!("/portal/setup/{provider}")).await;
    assert_eq!(guide.status, 200, "{}", guide.body);
    let csrf = guide.csrf();
    let page = visitor
        .post(&format!("/portal/setup/{provider}"), &[("csrf", &csrf)])
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.has("You will not see this token again"),
        "{}",
        page.body
    );
    let url = value_after(&page.body, "id=\"scim-url\" readonly value=\"");
    let token = value_after(&page.body, "id=\"scim-token\" readonly value=\"");
    let directory = url.rsplit('/').next().unwrap_or_default().to_owned();
    assert!(token.starts_with("rscim_"), "{token}");
    (directory, url, token)
}

#[tokio::test]
async fn a_link_opens_one_session_once_and_a_session_sees_one_organization() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let globex = app.create_organization("Globex").await;
        let initech = app.create_organization("Initech").await;
        let (theirs, _) = app.create_directory(s(&initech["id"]), "entra").await;

        // Without a session: the "session ended" page, not a 500 or a redirect loop.
        let mut stranger = Visitor::new(&app);
        let page = stranger.get("/portal").await;
        assert_eq!(page.status, 401);
        assert!(page.has("Your session has ended"), "{}", page.body);

        let link = portal_link(&app, s(&globex["id"])).await;
        let mut admin = Visitor::new(&app);
        admin.open(&link).await;
        let home = admin.get("/portal").await;
        assert_eq!(home.status, 200);
        assert!(home.has("Directory sync for Globex"), "{}", home.body);

        // The same link again, a tampered one, and garbage: a clear refusal page.
        let again = Visitor::new(&app).get(&link).await;
        assert_eq!(again.status, 410);
        assert!(again.body.contains("already been used"), "{}", again.body);
        let tampered = format!("{}x", &link[..link.len() - 1]);
        let page = Visitor::new(&app).get(&tampered).await;
        assert_eq!(page.status, 410);
        assert!(page.body.contains("not valid"), "{}", page.body);
        let page = Visitor::new(&app).get("/portal/start?link=nonsense").await;
        assert!(page.body.contains("not valid"), "{}", page.body);

        // An expired link: made to expire by moving its expiry into the past.
        let expiring = portal_link(&app, s(&globex["id"])).await;
        let id = expiring
            .split("link=rpl_")
            .nth(1)
            .and_then(|r| r.split('_').next())
            .expect("link id");
        expire_link(&app, &format!("plink_{id}")).await;
        let page = Visitor::new(&app).get(&expiring).await;
        assert_eq!(page.status, 410);
        assert!(page.body.contains("expired"), "{}", page.body);

        // Globex's session cannot see Initech's directory (or guess it exists).
        let theirs_id = s(&theirs["id"]);
        for path in ["", "/users", "/groups", "/activity", "/roles", "/token"] {
            let page = admin
                .get(&format!("/portal/directories/{theirs_id}{path}"))
                .await;
            assert_eq!(page.status, 404, "{path}: {}", page.body);
            assert!(!page.has("Initech"), "{path}");
        }
        let home = admin.get("/portal").await;
        assert!(!home.has(theirs_id));

        // A forged cookie is no session.
        let mut forger = Visitor::new(&app);
        forger.cookie = admin
            .cookie
            .as_ref()
            .map(|c| c.replace(s(&globex["id"]), s(&initech["id"])));
        assert_eq!(forger.get("/portal").await.status, 401);
        app.shutdown().await;
    }
}

async fn expire_link(app: &TestApp, id: &str) {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = app.store.backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            format!("UPDATE portal_links SET expires_at = NOW() - INTERVAL '1 minute' WHERE id = '{id}'")
        }
        _ => format!(
            "UPDATE portal_links SET expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 minute') WHERE id = '{id}'"
        ),
    };
    app.store
        .connection()
        .execute(Statement::from_string(backend, sql))
        .await
        .expect("expire link");
}

/// Setup through the portal, then an IdP with the token; the role mapping saved in the portal
/// shows in the next event; a token reset stops the old token and keeps the data; forms without
/// the CSRF token change nothing.
#[tokio::test]
async fn the_portal_sets_up_okta_maps_roles_and_resets_the_token() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org = app.create_organization("Globex").await;
        let org_id = s(&org["id"]).to_owned();
        let mut admin = Visitor::new(&app);
        admin.open(&portal_link(&app, &org_id).await).await;
        let (directory, url, token) = configure(&mut admin, "okta").await;
        assert!(url.starts_with(&format!("{}/scim/v2/directory_", app.base_url)));
        let status = admin.get(&format!("/portal/directories/{directory}")).await;
        assert!(
            status.has("Waiting for the first request"),
            "{}",
            status.body
        );

        // Okta connects with the token from the page.
        let mut okta = Idp::connect_existing(&app, &directory, &org_id, &token).await;
        let ada = okta
            .create_user(json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "ada@globex.example", "active": true,
                "name": {"givenName": "Ada", "familyName": "Lovelace"},
                "emails": [{"value": "ada@globex.example", "primary": true}],
            }))
            .await;
        let admins = okta
            .create_group(
                json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                 "displayName": "Globex Admins"}),
            )
            .await;
        let (status, _, _) = okta
            .send(Method::GET, "/Users?filter=userName%20eq", None)
            .await;
        assert_eq!(status, 400);
        okta.new_events().await;

        let overview = eventually_page(
            &mut admin,
            &format!("/portal/directories/{directory}"),
            |p| p.has("Connected") && p.has("sent a filter we could not parse"),
        )
        .await;
        assert!(overview.has("1 active, 1 in all"), "{}", overview.body);
        let users = admin
            .get(&format!("/portal/directories/{directory}/users"))
            .await;
        assert!(
            users.has("Ada Lovelace") && users.has("ada@globex.example"),
            "{}",
            users.body
        );
        let groups = admin
            .get(&format!("/portal/directories/{directory}/groups"))
            .await;
        assert!(groups.has("Globex Admins"), "{}", groups.body);

        // Roles: a form without the CSRF token is refused and changes nothing.
        let roles_path = format!("/portal/directories/{directory}/roles");
        let refused = admin
            .post(
                &roles_path,
                &[
                    ("csrf", "forged"),
                    ("default_role", "member"),
                    ("group", "Globex Admins"),
                    ("role", "admin"),
                    ("priority", "10"),
                ],
            )
            .await;
        assert_eq!(refused.status, 403, "{}", refused.body);
        okta.expect_quiet("a refused form").await;
        // A form without its fields gets the portal's page, not a bare parser message.
        let token_path = format!("/portal/directories/{directory}/token");
        let unreadable = admin.post(&token_path, &[("confirm", "yes")]).await;
        assert_eq!(unreadable.status, 400, "{}", unreadable.body);
        assert!(
            unreadable.has("This form could not be read"),
            "{}",
            unreadable.body
        );
        okta.expect_quiet("an unreadable form").await;

        let roles = admin.get(&roles_path).await;
        let saved = admin
            .post(
                &roles_path,
                &[
                    ("csrf", &roles.csrf()),
                    ("default_role", "member"),
                    ("admin_role", "admin"),
                    ("group", "Globex Admins"),
                    ("role", "admin"),
                    ("priority", "10"),
                    ("group", ""),
                    ("role", ""),
                    ("priority", "0"),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        let roles = admin.get(&saved.location.clone().expect("redirect")).await;
        assert!(roles.has("Saved."), "{}", roles.body);
        assert!(
            !roles.has("No group grants the admin role"),
            "{}",
            roles.body
        );
        let events = okta.new_events().await;
        assert_eq!(
            summaries(&events),
            ["directory.updated ?", "user.updated ada@globex.example"],
            "the default role reaches Ada"
        );
        assert_eq!(events[1]["data"]["role"], "member");
        // The next membership change carries the mapped role.
        okta.patch_ok(
            &format!("/Groups/{admins}"),
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                   "Operations": [{"op": "add", "path": "members", "value": [{"value": ada}]}]}),
        )
        .await;
        let events = okta.new_events().await;
        let updated = events
            .iter()
            .find(|e| e["type"] == "user.updated")
            .expect("user.updated");
        assert_eq!(updated["data"]["role"], "admin", "{updated}");

        // Token reset: confirmation required, then the old token is refused, data kept.
        let token_path = format!("/portal/directories/{directory}/token");
        let page = admin.get(&token_path).await;
        let unconfirmed = admin.post(&token_path, &[("csrf", &page.csrf())]).await;
        assert_eq!(unconfirmed.status, 400);
        let (status, _, _) = okta.send(Method::GET, "/Users", None).await;
        assert_eq!(status, 200, "an unconfirmed reset changes nothing");
        let reset = admin
            .post(&token_path, &[("csrf", &page.csrf()), ("confirm", "yes")])
            .await;
        assert_eq!(reset.status, 200, "{}", reset.body);
        assert!(reset.has("The old token stopped working"), "{}", reset.body);
        let new_token = value_after(&reset.body, "id=\"scim-token\" readonly value=\"");
        assert_ne!(new_token, token);
        let (status, _, _) = okta.send(Method::GET, "/Users", None).await;
        assert_eq!(status, 401, "the old token is refused");
        let okta = okta.with_token(&new_token);
        let users = okta.get("/Users").await;
        assert_eq!(users["totalResults"], 1, "data kept: {users}");
        let groups = okta.get("/Groups").await;
        assert_eq!(groups["totalResults"], 1, "data kept: {groups}");
        app.shutdown().await;
    }
}

/// Polls a page until `done` (the activity log is written in the background).
async fn eventually_page(
    visitor: &mut Visitor<'_>,
    path: &str,
    done: impl Fn(&Page) -> bool,
) -> Page {
    for _ in 0..50 {
        let page = visitor.get(path).await;
        if done(&page) {
            return page;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let page = visitor.get(path).await;
    panic!("{path} never showed what was expected:\n{}", page.body);
}

#[tokio::test]
async fn the_vendors_switch_turns_setup_off_and_the_portal_says_so() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org = app.create_organization("Globex").await;
        let org_id = s(&org["id"]);
        let updated = app
            .expect(
                Method::PATCH,
                &format!("/api/v1/organizations/{org_id}"),
                Some(json!({"directory_sync_enabled": false})),
                200,
            )
            .await;
        assert_eq!(updated["directory_sync_enabled"], false);
        let mut admin = Visitor::new(&app);
        admin.open(&portal_link(&app, org_id).await).await;
        let home = admin.get("/portal").await;
        assert!(home.has("Directory sync is not enabled"), "{}", home.body);
        assert!(!home.has("/portal/setup\""), "no setup offered");
        let setup = admin.get("/portal/setup/okta").await;
        assert_eq!(setup.status, 403);
        // Bad link requests to the API get clear errors.
        let (status, body) = app
            .api(
                Method::POST,
                &format!("/api/v1/organizations/{org_id}/portal_links"),
                Some(json!({"expires_in_minutes": 0})),
            )
            .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["error"]["fields"][0]["field"], "expires_in_minutes");
        let (status, _) = app
            .api(
                Method::POST,
                "/api/v1/organizations/org_00000000000000000000000000000000/portal_links",
                None,
            )
            .await;
        assert_eq!(status, 404);
        let _: Value = Value::Null;
        app.shutdown().await;
    }
}

/// Okta's SCIM 1.1 app set up through the portal: the 1.1 endpoint, and "Reset token" keeping
/// every user and group while the old token gets a 1.1 401.
#[tokio::test]
async fn a_scim_11_directory_from_the_portal_keeps_its_data_through_a_token_reset() {
    for engine in engines() {
        let app = TestApp::spawn(&engine).await;
        let org = app.create_organization("Globex").await;
        let org_id = s(&org["id"]).to_owned();
        let mut admin = Visitor::new(&app);
        admin.open(&portal_link(&app, &org_id).await).await;
        let (directory, url, token) = configure(&mut admin, "okta-scim11").await;
        assert!(url.contains("/scim/v1/directory_"), "{url}");
        let okta = Idp::connect_existing(&app, &directory, &org_id, &token)
            .await
            .speaking("v1");
        let (_, created) = okta
            .expect(
                Method::POST,
                "/Users",
                Some(json!({"schemas": ["urn:scim:schemas:core:1.0"],
                            "userName": "ivo@globex.example", "active": true})),
                201,
            )
            .await;
        let ivo = s(&created["id"]).to_owned();
        okta.expect(
            Method::POST,
            "/Groups",
            Some(
                json!({"schemas": ["urn:scim:schemas:core:1.0"], "displayName": "Warehouse",
                        "members": [{"value": ivo}]}),
            ),
            201,
        )
        .await;
        let token_path = format!("/portal/directories/{directory}/token");
        let page = admin.get(&token_path).await;
        assert!(
            page.has("API Token"),
            "the 1.1 template's field name: {}",
            page.body
        );
        let reset = admin
            .post(&token_path, &[("csrf", &page.csrf()), ("confirm", "yes")])
            .await;
        assert_eq!(reset.status, 200, "{}", reset.body);
        let new_token = value_after(&reset.body, "id=\"scim-token\" readonly value=\"");
        let (status, _, body) = okta.send(Method::GET, "/Users", None).await;
        assert_eq!(status, 401);
        assert_eq!(body["Errors"][0]["code"], "401", "a 1.1 error body: {body}");
        let okta = okta.with_token(&new_token);
        let users = okta.get("/Users").await;
        assert_eq!(users["totalResults"], 1, "{users}");
        let groups = okta.get("/Groups").await;
        assert_eq!(groups["totalResults"], 1, "{groups}");
        assert_eq!(groups["Resources"][0]["members"][0]["value"], ivo.as_str());
        app.shutdown().await;
    }
}
