//! The admin portal in headless Chromium (Debian's, through chromedriver): a tenant's IT admin
//! walks the whole flow for Okta and for Microsoft Entra ID while an HTTP client plays the IdP
//! with the token the page showed. Screenshots of every step go to a temporary folder, or to
//! `docs/portal/` with `ROSTER_PORTAL_SCREENSHOTS=1` (how the README's pictures are made).

use reqwest::Method;
use roster_testkit::browser::Browser;
use roster_testkit::{engines, TestApp};
use serde_json::json;
use std::path::PathBuf;
use std::time::Duration;

use crate::portal::portal_link;
use crate::scim_idps::{s, Idp};

const WAIT: Duration = Duration::from_secs(10);
/// WebDriver key codes.
const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";

fn screenshot_dir() -> PathBuf {
    if std::env::var("ROSTER_PORTAL_SCREENSHOTS").is_ok_and(|v| v == "1") {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/portal")
    } else {
        std::env::temp_dir().join(format!(
            "roster-portal-shots-{}",
            uuid::Uuid::new_v4().simple()
        ))
    }
}

struct Walk<'a> {
    browser: &'a Browser,
    shots: PathBuf,
    prefix: String,
    step: usize,
}

impl Walk<'_> {
    async fn shot(&mut self, name: &str) {
        self.step += 1;
        let path = self
            .shots
            .join(format!("{}-{:02}-{name}.png", self.prefix, self.step));
        self.browser.screenshot(&path).await;
    }
}

/// Every visible form control has a label, and the accent button's text has at least 4.5:1
/// contrast (WCAG AA) against its background.
async fn assert_accessible(browser: &Browser) {
    let unlabelled = browser
        .execute(
            "return [...document.querySelectorAll('input:not([type=hidden]), select')]
                .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
                .map(e => e.id || e.name);",
        )
        .await;
    assert_eq!(unlabelled, json!([]), "form controls without a label");
    let ratio = browser
        .execute(
            "const b = document.querySelector('.button');
             if (!b) return 21;
             const lum = c => { const [r, g, b] = c.match(/\\d+/g).slice(0, 3).map(Number)
                 .map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
                 return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
             const s = getComputedStyle(b);
             const [hi, lo] = [lum(s.color), lum(s.backgroundColor)].sort((x, y) => y - x);
             return (hi + 0.05) / (lo + 0.05);",
        )
        .await;
    assert!(
        ratio.as_f64().is_some_and(|r| r >= 4.5),
        "button contrast {ratio} < 4.5"
    );
}

/// At phone width nothing scrolls sideways.
async fn assert_fits_a_phone(browser: &Browser, url: &str) {
    browser.set_window_size(390, 844).await;
    browser.goto(url).await;
    let overflow = browser
        .execute("return document.documentElement.scrollWidth - window.innerWidth;")
        .await;
    assert!(
        overflow.as_i64().is_some_and(|o| o <= 0),
        "{url} scrolls sideways at 390 px by {overflow}"
    );
}

async fn walk(app: &TestApp, provider: &str, name: &str, user_agent: &'static str, idp_id: &str) {
    let org = app.create_organization(&format!("Globex {name}")).await;
    let org_id = s(&org["id"]).to_owned();
    let other = app.create_organization("Initech").await;
    let (theirs, _) = app.create_directory(s(&other["id"]), "okta").await;
    let link = portal_link(app, &org_id).await;
    let browser = Browser::start().await;
    let mut walk = Walk {
        browser: &browser,
        shots: screenshot_dir(),
        prefix: provider.to_owned(),
        step: 0,
    };

    // The link opens the portal; the address bar no longer holds it.
    browser.goto(&link).await;
    browser
        .wait_for_text("Directory sync for Globex", WAIT)
        .await;
    assert!(browser.current_url().await.ends_with("/portal"));
    assert!(browser.text_of(".brand").await.contains("Acme HR"));
    walk.shot("home").await;

    browser.click("a.button[href='/portal/setup']").await;
    browser
        .wait_for_text("Choose your identity provider", WAIT)
        .await;
    assert!(browser
        .text_of(".providers")
        .await
        .contains("Google Workspace"));
    walk.shot("providers").await;

    browser
        .click(&format!("a.provider[href='/portal/setup/{provider}']"))
        .await;
    browser.wait_for_text(&format!("Set up {name}"), WAIT).await;
    let guide = browser.text_of("main").await;
    walk.shot("guide").await;
    if provider == "okta" {
        for words in [
            "SCIM connector base URL",
            "Unique identifier field for users: Email",
            "HTTP Header",
            "Test Connector Configuration",
            "Create Users, Update User Attributes and Deactivate Users",
            "Push Groups",
        ] {
            assert!(guide.contains(words), "the Okta guide says \"{words}\"");
        }
        browser.click("form button[type=submit]").await;
    } else {
        for words in [
            "Tenant URL",
            "Secret Token",
            "Test Connection",
            "Provisioning Mode",
        ] {
            assert!(guide.contains(words), "the Entra guide says \"{words}\"");
        }
        // Keyboard only: tab to the Configure button and press Enter.
        let mut reached = false;
        for _ in 0..30 {
            browser
                .wait_for("body", WAIT)
                .await
                .send_keys(TAB)
                .await
                .ok();
            let focused = browser
                .execute("return document.activeElement ? document.activeElement.textContent : '';")
                .await;
            if focused.as_str().is_some_and(|t| t.contains("Configure")) {
                reached = true;
                break;
            }
        }
        assert!(reached, "the Configure button is reachable with Tab");
        browser
            .execute("document.activeElement.setAttribute('data-focused', 'yes');")
            .await;
        browser
            .wait_for("[data-focused=yes]", WAIT)
            .await
            .send_keys(ENTER)
            .await
            .expect("Enter");
    }

    // Configure: URL and token once, with copy buttons.
    browser
        .wait_for_text("You will not see this token again", WAIT)
        .await;
    let url = browser.value_of("#scim-url").await;
    let token = browser.value_of("#scim-token").await;
    assert!(
        url.starts_with(&format!("{}/scim/v2/directory_", app.base_url)),
        "{url}"
    );
    assert!(token.starts_with("rscim_"), "{token}");
    browser.click("button.copy[data-copy=scim-token]").await;
    browser.wait_for_text("copied", WAIT).await;
    assert_accessible(&browser).await;
    walk.shot("configure").await;
    let directory = url.rsplit('/').next().expect("directory id").to_owned();

    // The IdP connects with what the page showed.
    let mut idp = Idp::connect_existing(app, &directory, &org_id, &token).await;
    idp.user_agent = user_agent;
    let mut users = Vec::new();
    for (user_name, given, family) in [
        ("ada@globex.example", "Ada", "Lovelace"),
        ("grace@globex.example", "Grace", "Hopper"),
    ] {
        users.push(
            idp.create_user(json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": user_name, "externalId": format!("{idp_id}-{given}"), "active": true,
                "name": {"givenName": given, "familyName": family},
                "emails": [{"value": user_name, "primary": true, "type": "work"}],
            }))
            .await,
        );
    }
    let admins = idp
        .create_group(
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                             "displayName": "Globex Admins", "members": [{"value": users[0]}]}),
        )
        .await;
    let (status, _, _) = idp
        .send(
            Method::GET,
            "/Users?filter=userName%20equals%20%22x%22",
            None,
        )
        .await;
    assert_eq!(status, 400);
    idp.new_events().await;

    browser
        .click("a.button[href^='/portal/directories/']")
        .await;
    browser.wait_for_text("Connected", WAIT).await;
    // The activity log is written in the background: reload until the error shows.
    for _ in 0..50 {
        if browser.text_of("main").await.contains("could not parse") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        browser
            .goto(&format!("{}/portal/directories/{directory}", app.base_url))
            .await;
    }
    let status_page = browser.text_of("main").await;
    assert!(status_page.contains("2 active, 2 in all"), "{status_page}");
    assert!(
        browser.source().await.contains("<dt>Groups</dt><dd>1</dd>"),
        "{status_page}"
    );
    walk.shot("status").await;

    browser.click("nav.tabs a[href$='/users']").await;
    browser.wait_for_text("Grace Hopper", WAIT).await;
    assert!(browser.text_of("main").await.contains("ada@globex.example"));
    walk.shot("users").await;
    browser.click("nav.tabs a[href$='/groups']").await;
    browser.wait_for_text("Globex Admins", WAIT).await;
    walk.shot("groups").await;
    browser.click("nav.tabs a[href$='/activity']").await;
    browser
        .wait_for_text(&format!("{name} sent a filter we could not parse"), WAIT)
        .await;
    walk.shot("activity").await;

    // Roles: the warning until a group grants the admin role, then saved and reflected.
    browser.click("nav.tabs a[href$='/roles']").await;
    browser.wait_for("#default_role", WAIT).await;
    browser.fill("#default_role", "member").await;
    browser.fill("#admin_role", "admin").await;
    browser.click("form button[type=submit]").await;
    browser
        .wait_for_text("No group grants the admin role", WAIT)
        .await;
    walk.shot("roles-warning").await;
    idp.new_events().await;
    browser.fill("#group-1", "Globex Admins").await;
    browser.fill("#role-1", "admin").await;
    browser.fill("#priority-1", "10").await;
    browser.click("form button[type=submit]").await;
    browser.wait_for_text("Saved.", WAIT).await;
    assert!(!browser.text_of("main").await.contains("No group grants"));
    assert_accessible(&browser).await;
    walk.shot("roles").await;
    let events = idp.new_events().await;
    let ada_update = events
        .iter()
        .find(|e| e["type"] == "user.updated" && e["data"]["id"] == users[0].as_str())
        .expect("Ada's role changed");
    assert_eq!(ada_update["data"]["role"], "admin", "{ada_update}");
    // The next membership change carries the mapped role.
    idp.patch_ok(
        &format!("/Groups/{admins}"),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
               "Operations": [{"op": "add", "path": "members", "value": [{"value": users[1]}]}]}),
    )
    .await;
    let events = idp.new_events().await;
    let grace = events
        .iter()
        .find(|e| e["type"] == "user.updated")
        .expect("user.updated");
    assert_eq!(grace["data"]["role"], "admin", "{grace}");

    // Attribute mapping.
    browser.click("nav.tabs a[href$='/attributes']").await;
    browser
        .fill(
            "#source-1",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter",
        )
        .await;
    browser.fill("#target-1", "cost_center").await;
    browser.click("form.card button[type=submit]").await;
    browser.wait_for_text("Saved.", WAIT).await;
    assert_eq!(browser.value_of("#target-1").await, "cost_center");
    assert_accessible(&browser).await;
    walk.shot("attributes").await;

    // Token reset: the old token stops, the data stays.
    browser.click("nav.tabs a[href$='/token']").await;
    browser.click("#confirm").await;
    walk.shot("token").await;
    browser.click("form button[type=submit]").await;
    browser
        .wait_for_text("The old token stopped working", WAIT)
        .await;
    let new_token = browser.value_of("#scim-token").await;
    assert_ne!(new_token, token);
    walk.shot("token-reset").await;
    let (status, _, _) = idp.send(Method::GET, "/Users", None).await;
    assert_eq!(status, 401, "the old token is refused");
    let idp = idp.with_token(&new_token);
    assert_eq!(idp.get("/Users").await["totalResults"], 2);
    assert_eq!(idp.get("/Groups").await["totalResults"], 1);

    // Another organization's directory is not there for this session.
    browser
        .goto(&format!(
            "{}/portal/directories/{}",
            app.base_url,
            s(&theirs["id"])
        ))
        .await;
    browser.wait_for_text("Not found", WAIT).await;
    assert!(!browser.text_of("main").await.contains("Initech"));

    // The link was used: opening it again is refused with a clear page.
    browser.goto(&link).await;
    browser
        .wait_for_text("This link has already been used", WAIT)
        .await;
    walk.shot("link-used").await;

    // Phone width: the status and configure-like pages fit.
    assert_fits_a_phone(
        &browser,
        &format!("{}/portal/directories/{directory}", app.base_url),
    )
    .await;
    walk.shot("phone-status").await;
    assert_fits_a_phone(
        &browser,
        &format!("{}/portal/directories/{directory}/roles", app.base_url),
    )
    .await;
    assert_fits_a_phone(&browser, &format!("{}/portal/setup", app.base_url)).await;
    walk.shot("phone-providers").await;
    browser.close().await;
}

/// The acceptance walk of issue 8, for Okta and for Microsoft Entra ID.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_it_admin_connects_okta_and_entra_in_a_real_browser() {
    for engine in engines() {
        let app = TestApp::spawn_with(&engine, |c| {
            c.portal.branding.name = "Acme HR".into();
            c.portal.branding.accent_color = "#0b6e4f".into();
        })
        .await;
        walk(&app, "okta", "Okta", "Okta SCIM Client 1.0.0", "00u").await;
        walk(
            &app,
            "entra",
            "Microsoft Entra ID",
            "Microsoft.Azure.ActiveDirectory.Provisioning/1.0",
            "aad",
        )
        .await;
        app.shutdown().await;
    }
}
