//! Query plans: which filter parts push down to indexed columns.

use roster_scim::filter::{
    plan, CompValue, CompareOp, Filter, IndexedAttr, Plan, QueryPlan, ResourceKind,
};
use serde_json::Number;

use CompareOp::*;
use IndexedAttr::*;
use ResourceKind::{Group, User};

fn s(v: &str) -> CompValue {
    CompValue::String(v.to_owned())
}
fn pred(attr: IndexedAttr, op: CompareOp, value: CompValue) -> Plan {
    Plan::Pred { attr, op, value }
}
fn eq(attr: IndexedAttr, v: &str) -> Plan {
    pred(attr, Eq, s(v))
}
fn exact(plan: Plan) -> QueryPlan {
    QueryPlan { plan, exact: true }
}
fn superset(plan: Plan) -> QueryPlan {
    QueryPlan { plan, exact: false }
}
fn scan() -> QueryPlan {
    superset(Plan::ScanAll)
}
fn not(p: Plan) -> Plan {
    Plan::Not(Box::new(p))
}

#[test]
fn plans() {
    let cases: Vec<(&str, ResourceKind, QueryPlan)> = vec![
        // ---- single indexed predicates (the IdP lookups)
        (
            r#"userName eq "test.user@okta.local""#,
            User,
            exact(eq(UserName, "test.user@okta.local")),
        ),
        (r#"USERNAME Eq "x""#, User, exact(eq(UserName, "x"))),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x""#,
            User,
            exact(eq(UserName, "x")),
        ),
        (
            r#"externalId eq "8a7f5e2c""#,
            User,
            exact(eq(ExternalId, "8a7f5e2c")),
        ),
        (
            r#"externalId eq "00gk2x1f""#,
            Group,
            exact(eq(ExternalId, "00gk2x1f")),
        ),
        (r#"id eq "user_01""#, User, exact(eq(Id, "user_01"))),
        (r#"id eq "group_01""#, Group, exact(eq(Id, "group_01"))),
        (
            r#"displayName eq "Holistics Admins""#,
            Group,
            exact(eq(DisplayName, "Holistics Admins")),
        ),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "G""#,
            Group,
            exact(eq(DisplayName, "G")),
        ),
        (
            r#"userName sw "test""#,
            User,
            exact(pred(UserName, Sw, s("test"))),
        ),
        (
            r#"userName co "user""#,
            User,
            exact(pred(UserName, Co, s("user"))),
        ),
        (
            r#"userName ew "@x""#,
            User,
            exact(pred(UserName, Ew, s("@x"))),
        ),
        (
            r#"userName ne "x""#,
            User,
            exact(pred(UserName, Ne, s("x"))),
        ),
        (
            r#"userName gt "m""#,
            User,
            exact(pred(UserName, Gt, s("m"))),
        ),
        (
            "active eq true",
            User,
            exact(pred(Active, Eq, CompValue::Bool(true))),
        ),
        (
            "active ne false",
            User,
            exact(pred(Active, Ne, CompValue::Bool(false))),
        ),
        (
            r#"meta.lastModified gt "2026-11-20T00:00:00Z""#,
            User,
            exact(pred(LastModified, Gt, s("2026-11-20T00:00:00Z"))),
        ),
        (
            r#"meta.lastModified le "2026-11-20T00:00:00Z""#,
            Group,
            exact(pred(LastModified, Le, s("2026-11-20T00:00:00Z"))),
        ),
        ("userName pr", User, exact(Plan::Present(UserName))),
        (
            "externalId eq null",
            User,
            exact(not(Plan::Present(ExternalId))),
        ),
        ("externalId ne null", User, exact(Plan::Present(ExternalId))),
        // ---- emails
        (
            r#"emails.value eq "a@b.c""#,
            User,
            exact(eq(EmailValue, "a@b.c")),
        ),
        (r#"emails eq "a@b.c""#, User, exact(eq(EmailValue, "a@b.c"))),
        (
            r#"emails[value eq "a@b.c"]"#,
            User,
            exact(eq(EmailValue, "a@b.c")),
        ),
        (r#"emails.value pr"#, User, exact(Plan::Present(EmailValue))),
        (
            r#"emails[value pr]"#,
            User,
            exact(Plan::Present(EmailValue)),
        ),
        (
            r#"emails[type eq "work"].value eq "a@b.c""#,
            User,
            superset(eq(EmailValue, "a@b.c")),
        ),
        (
            r#"emails[type eq "work" and value eq "a@b.c"]"#,
            User,
            superset(eq(EmailValue, "a@b.c")),
        ),
        (
            r#"emails[value eq "a@b.c" or value eq "d@e.f"]"#,
            User,
            exact(Plan::Or(vec![
                eq(EmailValue, "a@b.c"),
                eq(EmailValue, "d@e.f"),
            ])),
        ),
        (
            r#"emails[value sw "a" and value ew ".c"]"#,
            User,
            superset(Plan::And(vec![
                pred(EmailValue, Sw, s("a")),
                pred(EmailValue, Ew, s(".c")),
            ])),
        ),
        (
            r#"emails.value sw "a" and emails.value ew ".c""#,
            User,
            exact(Plan::And(vec![
                pred(EmailValue, Sw, s("a")),
                pred(EmailValue, Ew, s(".c")),
            ])),
        ),
        (r#"emails[type eq "work"]"#, User, scan()),
        (r#"emails[not (value eq "a@b.c")]"#, User, scan()),
        (r#"emails[value eq null]"#, User, scan()),
        ("emails pr", User, scan()),
        ("emails eq null", User, scan()),
        (r#"emails.type eq "work""#, User, scan()),
        (r#"emails.value eq "a@b.c""#, Group, scan()),
        // ---- members (Groups)
        (
            r#"members[value eq "user_01"]"#,
            Group,
            exact(eq(MembersValue, "user_01")),
        ),
        (
            r#"members.value eq "user_01""#,
            Group,
            exact(eq(MembersValue, "user_01")),
        ),
        (
            r#"members eq "user_01""#,
            Group,
            exact(eq(MembersValue, "user_01")),
        ),
        (
            r#"members[value eq "user_01" and display co "x"]"#,
            Group,
            superset(eq(MembersValue, "user_01")),
        ),
        (r#"members[value eq "user_01"]"#, User, scan()),
        // ---- and / or / not
        (
            r#"externalId eq "e" and userName eq "u""#,
            User,
            exact(Plan::And(vec![eq(ExternalId, "e"), eq(UserName, "u")])),
        ),
        (
            r#"userName eq "u" and title eq "CEO""#,
            User,
            superset(eq(UserName, "u")),
        ),
        (
            r#"title eq "CEO" and userName eq "u""#,
            User,
            superset(eq(UserName, "u")),
        ),
        (
            r#"userName eq "a" or userName eq "b" or externalId eq "c""#,
            User,
            exact(Plan::Or(vec![
                eq(UserName, "a"),
                eq(UserName, "b"),
                eq(ExternalId, "c"),
            ])),
        ),
        (
            r#"userName eq "a" and externalId eq "b" and id eq "c""#,
            User,
            exact(Plan::And(vec![
                eq(UserName, "a"),
                eq(ExternalId, "b"),
                eq(Id, "c"),
            ])),
        ),
        (r#"userName eq "a" or title eq "CEO""#, User, scan()),
        (
            r#"(userName eq "a" or userName eq "b") and title pr"#,
            User,
            superset(Plan::Or(vec![eq(UserName, "a"), eq(UserName, "b")])),
        ),
        (
            r#"(userName eq "a" and title pr) or userName eq "b""#,
            User,
            superset(Plan::Or(vec![eq(UserName, "a"), eq(UserName, "b")])),
        ),
        (
            r#"not (userName eq "a")"#,
            User,
            exact(not(eq(UserName, "a"))),
        ),
        (r#"not (userName eq "a" and title pr)"#, User, scan()),
        (
            r#"active eq true and not (emails[value ew "@contractor.com"])"#,
            User,
            exact(Plan::And(vec![
                pred(Active, Eq, CompValue::Bool(true)),
                not(pred(EmailValue, Ew, s("@contractor.com"))),
            ])),
        ),
        // ---- not pushable
        (r#"title eq "CEO""#, User, scan()),
        (r#"name.familyName eq "Jensen""#, User, scan()),
        (r#"displayName eq "Test User""#, User, scan()),
        (r#"userName eq "x""#, Group, scan()),
        ("active eq true", Group, scan()),
        (r#"active eq "true""#, User, scan()),
        ("active gt false", User, scan()),
        ("userName eq 42", User, scan()),
        ("userName gt null", User, scan()),
        (r#"meta.created gt "2026-01-01T00:00:00Z""#, User, scan()),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "1""#,
            User,
            scan(),
        ),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:Group:userName eq "x""#,
            User,
            scan(),
        ),
        (r#"userName.x eq "x""#, User, scan()),
    ];
    let mut failures = Vec::new();
    for (input, kind, want) in &cases {
        match Filter::parse(input) {
            Ok(f) => {
                let got = plan(&f, *kind);
                if &got != want {
                    failures.push(format!(
                        "{input:?} ({kind:?})\n   got  {got:?}\n   want {want:?}"
                    ));
                }
            }
            Err(e) => failures.push(format!("{input:?}: {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn numbers_never_push_down() {
    let f = Filter::compare(
        roster_scim::path::AttrPath::simple("userName"),
        Eq,
        CompValue::Number(Number::from(1)),
    );
    assert_eq!(plan(&f, User), scan());
}
