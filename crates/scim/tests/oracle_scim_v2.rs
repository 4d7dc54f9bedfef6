//! Differential test: roster's hand-written filter parser against the
//! `scim_v2` crate's LALRPOP parser (`str::parse::<scim_v2::filter::Filter>`).
//!
//! - `BOTH_ACCEPT`: real-world filters (Okta, Entra ID, RFC 7644 §3.4.2.2
//!   examples) that both must parse, to the same number of attribute
//!   expressions, and whose roster canonical print scim_v2 also accepts.
//! - `BOTH_REJECT`: clearly invalid filters both must refuse.
//! - `ROSTER_ACCEPTS_SCIM_V2_REJECTS` / `SCIM_V2_ACCEPTS_ROSTER_REJECTS`: the
//!   cases where they disagree, each with who is right per RFC 7644
//!   §3.4.2.2. The disagreement itself is asserted, so a change on either
//!   side shows up here.
//!
//! Every table test reports all failing rows at once.

use roster_scim::Filter;
use scim_v2::filter as v2;

fn roster_parse(s: &str) -> Option<Filter> {
    Filter::parse(s).ok()
}

fn scim_v2_parse(s: &str) -> Option<v2::Filter> {
    s.parse::<v2::Filter>().ok()
}

/// Attribute expressions (`x op v` / `x pr`) in a scim_v2 AST.
fn v2_terms(f: &v2::Filter) -> usize {
    match f {
        v2::Filter::Attr(_) => 1,
        v2::Filter::ValuePath(vp) => v2_val_terms(&vp.filter),
        v2::Filter::Not(inner) => v2_terms(inner),
        v2::Filter::And(items) | v2::Filter::Or(items) => items.iter().map(v2_terms).sum(),
    }
}

fn v2_val_terms(f: &v2::ValFilter) -> usize {
    match f {
        v2::ValFilter::Attr(_) => 1,
        v2::ValFilter::Not(inner) => v2_val_terms(inner),
        v2::ValFilter::And(items) | v2::ValFilter::Or(items) => {
            items.iter().map(v2_val_terms).sum()
        }
    }
}

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// Valid filters both parsers must accept.
const BOTH_ACCEPT: &[&str] = &[
    // ---- Okta: user and group lookups
    r#"userName eq "test.user@okta.local""#,
    r#"userName eq "isabella.chen@example.com""#,
    r#"displayName eq "Sales Team""#,
    r#"displayName eq "Tour Operations (EMEA)""#,
    r#"id eq "2819c223-7f76-453a-919d-413861904646""#,
    // ---- Entra ID: user, group and membership probes
    r#"externalId eq "8a7f5e2c-6b4d-4c1e-9f3a-2d1b0c9e8f7a""#,
    r#"externalId eq "3c1f8f0e-1d8b-4a51-9f1e-2a7b0c4d5e6f" and active eq true"#,
    r#"displayName eq "Finance-Approvers""#,
    r#"id eq "2819c223-7f76-453a-919d-413861904646" and members[value eq "user_000042"]"#,
    r#"members[value eq "user_000042"]"#,
    r#"members eq "user_1""#,
    r#"emails.value eq "Test_User_dfeef4c5@contoso.com""#,
    // ---- RFC 7644 §3.4.2.2 examples
    r#"userName eq "bjensen""#,
    r#"name.familyName co "O'Malley""#,
    r#"userName sw "J""#,
    r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
    r#"title pr"#,
    r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
    r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
    r#"title pr and userType eq "Employee""#,
    r#"title pr or userType eq "Intern""#,
    r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
    r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
    r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
    r#"userType eq "Employee" and (emails.type eq "work")"#,
    r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
    r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
    // ---- URN-prefixed (enterprise extension, core schema)
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d""#,
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Tour Operations" and active eq true"#,
    r#"urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "Admins""#,
    // ---- value paths
    r#"emails[type eq "work"]"#,
    r#"emails[type eq "work" and primary eq true]"#,
    r#"emails[type eq "work" or type eq "home"]"#,
    r#"emails[not (type eq "home")]"#,
    r#"phoneNumbers[type eq "mobile"]"#,
    r#"addresses[type eq "work" and postalCode sw "98"]"#,
    r#"emails[type eq "work"] and emails[type eq "home"]"#,
    r#"not (emails[type eq "work"])"#,
    // ---- and / or / not, grouping, precedence, case of keywords
    r#"id eq "a" or id eq "b" or id eq "c""#,
    r#"not (userName eq "admin")"#,
    r#"NOT (title pr)"#,
    r#"((userName eq "a"))"#,
    r#"not ((title pr))"#,
    r#"(userName eq "a" or userName eq "b") and active eq true"#,
    r#"userName eq "a" and active eq true or title pr"#,
    r#"userName eq "a" or (active eq true and not (title pr))"#,
    r#"userName eq "bjensen" AND active eq true"#,
    r#"userName Eq "john" And active EQ true"#,
    r#"title PR"#,
    r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org") and meta.lastModified gt "2011-05-13T04:42:34Z" or urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
    r#"userName sw "a" and emails[type eq "work" or type eq "home"] and meta.created lt "2020-01-01T00:00:00Z""#,
    // ---- every operator, every value kind
    r#"name.givenName ew "ara""#,
    r#"meta.resourceType eq "User""#,
    r#"active eq false"#,
    r#"manager eq null"#,
    r#"loginCount gt 5"#,
    r#"loginCount le -1"#,
    r#"score ge -1.5e3"#,
    r#"meta.created gt "2024-01-01T00:00:00.000Z""#,
    r#"userName eq "O\"Brien""#,
    r#"userName eq "\u00e9\ud83d\ude00""#,
    r#"userName eq "ünïcödé@example.com""#,
    r#"userName eq """#,
];

/// Clearly invalid filters both parsers must refuse.
const BOTH_REJECT: &[&str] = &[
    // unbalanced parentheses / brackets
    r#"(userName eq "a""#,
    r#"userName eq "a")"#,
    r#"(userName eq "a"))"#,
    r#"emails[type eq "work""#,
    r#"emails[type eq "work"]]"#,
    // missing operator / operand / value
    r#"userName "a""#,
    r#"userName"#,
    r#"userName eq"#,
    r#"userName co"#,
    r#"eq "a""#,
    r#"pr"#,
    r#"userName eq "a" userName eq "b""#,
    r#"userName eq "a" not (title pr)"#,
    // dangling or doubled logical operators
    r#"userName eq "a" and"#,
    r#"userName eq "a" or"#,
    r#"and userName eq "a""#,
    r#"userName eq "a" or or userName eq "b""#,
    // unterminated / malformed strings and bare values
    r#"userName eq "abc"#,
    r#""bjensen""#,
    r#"userName eq bjensen"#,
    r#"userName eq 'single'"#,
    r#"userName eq "bad \q escape""#,
    r#"userName eq "\ud83d""#,
    r#"meta.lastModified gt 2011-05-13T04:42:34Z"#,
    r#"userName eq tru"#,
    // bad numbers
    r#"userName eq 01"#,
    r#"loginCount gt 5."#,
    r#"loginCount gt .5"#,
    r#"loginCount gt +5"#,
    // unknown operator, wrong operand for pr
    r#"userName xx "a""#,
    r#"userName=="a""#,
    r#"userName pr "a""#,
    r#"emails[value sw "a"] pr"#,
    // empty things
    "",
    "   ",
    r#"()"#,
    r#"not ()"#,
    r#"not"#,
    r#"emails[]"#,
    r#"userName eq "a" and ()"#,
    // bad paths and value-path shapes
    r#"not userName eq "a""#,
    r#"1userName eq "a""#,
    r#"name..givenName eq "a""#,
    r#"name.givenName.foo eq "a""#,
    r#"[type eq "work"]"#,
    r#"emails[type eq "work"][value eq "x"]"#,
    r#"emails[members[value eq "x"]]"#,
    r#"emails[type eq "work"].value"#,
    r#"emails[type eq "work"]."#,
    r#"emails[type eq "work"].value eq"#,
    r#"emails[type eq "work"].value.x eq "a""#,
];

/// Roster parses these; scim_v2 refuses them.
const ROSTER_ACCEPTS_SCIM_V2_REJECTS: &[&str] = &[
    // scim_v2 right: the ABNF has no `valuePath "." subAttr` in a filter; roster accepts Entra ID's form on purpose (as `emails[type eq "work" and value eq …]`).
    r#"emails[type eq "work"].value eq "Test_User_dfeef4c5@contoso.com""#,
    // scim_v2 right: same Entra ID dialect with `pr`; not RFC grammar, roster's deliberate extension.
    r#"emails[type eq "work"].value pr"#,
    // roster right: the ABNF is `"not" "(" FILTER ")"` with no SP, so `not(` is the strict form; scim_v2's lexer insists on whitespace after `not`.
    r#"not(title pr)"#,
    // scim_v2 right: logExp is `FILTER SP ("and" / "or") SP FILTER`; roster tolerates the missing SP before `and`.
    r#"userName eq "a"and active eq true"#,
    // scim_v2 right: missing SP after `and`; roster tolerates it.
    r#"userName eq "a" and(active eq true)"#,
    // scim_v2 right: missing SP between `)` and `and`; roster tolerates it.
    r#"(active eq true)and userName eq "a""#,
    // scim_v2 right: compValue's true/false/null are RFC 7159 literals, lowercase only; roster reads them case-insensitively.
    r#"active eq True"#,
    // scim_v2 right: as above.
    r#"active eq TRUE"#,
    // scim_v2 right: as above, for null.
    r#"manager eq NULL"#,
    // scim_v2 right by the letter: ATTRNAME is `ALPHA *(nameChar)`, so no `$ref`; roster accepts it because RFC 7643 gives `members` a `$ref` sub-attribute.
    r#"members[$ref eq "https://example.com/v2/Users/2819c223"]"#,
    // scim_v2 right: compValue strings are RFC 7159 strings, where a raw control character (here TAB) must be escaped; roster accepts it unescaped.
    "userName eq \"tab\tin\"",
    // scim_v2 right: as above, for a raw line feed.
    "userName eq \"line\nbreak\"",
];

/// scim_v2 parses these; roster refuses them.
const SCIM_V2_ACCEPTS_ROSTER_REJECTS: &[&str] = &[
    // scim_v2 right by the grammar (`valuePath = attrPath "[" valFilter "]"`, attrPath may carry a subAttr); roster refuses it because RFC 7643 §2.3.8 forbids nesting complex attributes, so no schema can make it match.
    r#"name.familyName[value eq "x"]"#,
];

fn failures(rows: Vec<String>, what: &str) {
    assert!(
        rows.is_empty(),
        "{} case(s) {what}:\n{}",
        rows.len(),
        rows.join("\n")
    );
}

#[test]
fn tables_are_big_enough_and_disjoint() {
    assert!(BOTH_ACCEPT.len() >= 40, "{} valid cases", BOTH_ACCEPT.len());
    assert!(
        BOTH_REJECT.len() >= 20,
        "{} invalid cases",
        BOTH_REJECT.len()
    );
    let all: Vec<&str> = BOTH_ACCEPT
        .iter()
        .chain(BOTH_REJECT)
        .chain(ROSTER_ACCEPTS_SCIM_V2_REJECTS)
        .chain(SCIM_V2_ACCEPTS_ROSTER_REJECTS)
        .copied()
        .collect();
    let mut sorted = all.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), all.len(), "a case appears twice");
    assert!(BOTH_ACCEPT.iter().any(|f| f.starts_with(ENT)));
}

#[test]
fn both_accept_valid_filters() {
    let mut bad = Vec::new();
    for &text in BOTH_ACCEPT {
        match (roster_parse(text), scim_v2_parse(text)) {
            (Some(ours), Some(theirs)) => {
                if ours.term_count() != v2_terms(&theirs) {
                    bad.push(format!(
                        "{text:?}: roster sees {} terms, scim_v2 {}",
                        ours.term_count(),
                        v2_terms(&theirs)
                    ));
                }
                // Roster's canonical print must itself be RFC syntax.
                let printed = ours.to_string();
                if scim_v2_parse(&printed).is_none() {
                    bad.push(format!(
                        "{text:?}: roster prints {printed:?}, scim_v2 rejects that"
                    ));
                }
            }
            (r, s) => bad.push(format!(
                "{text:?}: roster {}, scim_v2 {}",
                verdict(r.is_some()),
                verdict(s.is_some())
            )),
        }
    }
    failures(bad, "not accepted alike");
}

#[test]
fn both_reject_invalid_filters() {
    let bad: Vec<String> = BOTH_REJECT
        .iter()
        .filter_map(|&text| {
            let (r, s) = (roster_parse(text).is_some(), scim_v2_parse(text).is_some());
            (r || s).then(|| format!("{text:?}: roster {}, scim_v2 {}", verdict(r), verdict(s)))
        })
        .collect();
    failures(bad, "not rejected by both");
}

#[test]
fn known_disagreement_roster_accepts_scim_v2_rejects() {
    let mut bad = Vec::new();
    for &text in ROSTER_ACCEPTS_SCIM_V2_REJECTS {
        let (r, s) = (roster_parse(text), scim_v2_parse(text).is_some());
        if r.is_none() || s {
            bad.push(format!(
                "{text:?}: now roster {}, scim_v2 {}",
                verdict(r.is_some()),
                verdict(s)
            ));
        }
        // Roster prints what it accepted back in RFC syntax, so scim_v2
        // takes the print, unless it is verbatim (`$ref`): then the same
        // disagreement carries over.
        if let Some(printed) = r.map(|f| f.to_string()) {
            if printed != text && scim_v2_parse(&printed).is_none() {
                bad.push(format!(
                    "{text:?}: roster prints {printed:?}, scim_v2 rejects that"
                ));
            }
        }
    }
    failures(bad, "changed (move them to the right table)");
}

#[test]
fn known_disagreement_scim_v2_accepts_roster_rejects() {
    let bad: Vec<String> = SCIM_V2_ACCEPTS_ROSTER_REJECTS
        .iter()
        .filter_map(|&text| {
            let (r, s) = (roster_parse(text).is_some(), scim_v2_parse(text).is_some());
            (r || !s).then(|| {
                format!(
                    "{text:?}: now roster {}, scim_v2 {}",
                    verdict(r),
                    verdict(s)
                )
            })
        })
        .collect();
    failures(bad, "changed (move them to the right table)");
}

/// The RFC sets no size limits; both parsers cap them, at different points:
/// roster at 32 levels of nesting and 1,000 terms, scim_v2 at 64 and 1,024.
/// Neither is wrong per RFC 7644; the gap is pinned so a change is seen.
#[test]
fn known_disagreement_size_limits() {
    let nested = |levels: usize| format!("{}title pr{}", "(".repeat(levels), ")".repeat(levels));
    let terms = |n: usize| {
        (0..n)
            .map(|i| format!("id eq \"{i}\""))
            .collect::<Vec<_>>()
            .join(" or ")
    };
    let cases = [
        // (input, roster accepts, scim_v2 accepts)
        (nested(32), true, true),
        (nested(33), false, true),
        (nested(64), false, true),
        (nested(65), false, false),
        (terms(1_000), true, true),
        (terms(1_001), false, true),
        (terms(1_024), false, true),
        (terms(1_025), false, false),
    ];
    let bad: Vec<String> = cases
        .iter()
        .filter_map(|(text, want_r, want_s)| {
            let (r, s) = (roster_parse(text).is_some(), scim_v2_parse(text).is_some());
            ((r, s) != (*want_r, *want_s)).then(|| {
                format!(
                    "{}…({} chars): roster {}, scim_v2 {}",
                    &text[..20],
                    text.len(),
                    verdict(r),
                    verdict(s)
                )
            })
        })
        .collect();
    failures(bad, "changed at the size limits");
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "accepts"
    } else {
        "rejects"
    }
}
