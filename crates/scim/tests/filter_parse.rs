//! Filter parsing: exact ASTs, canonical printing, and errors.
//!
//! Every table row is one case; a table test reports all failing rows at once.

use roster_scim::error::ScimType;
use roster_scim::filter::{CompValue, CompareOp, Filter};
use roster_scim::path::AttrPath;
use serde_json::Number;

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

fn at(name: &str) -> AttrPath {
    AttrPath::simple(name)
}
fn sub(name: &str, s: &str) -> AttrPath {
    AttrPath::with_sub(name, s)
}
fn s(v: &str) -> CompValue {
    CompValue::String(v.to_owned())
}
fn int(v: i64) -> CompValue {
    CompValue::Number(Number::from(v))
}
fn float(v: f64) -> CompValue {
    CompValue::Number(Number::from_f64(v).expect("finite"))
}
fn cmp(path: AttrPath, op: CompareOp, value: CompValue) -> Filter {
    Filter::Compare { path, op, value }
}
fn eq(path: AttrPath, value: CompValue) -> Filter {
    cmp(path, CompareOp::Eq, value)
}
fn pr(path: AttrPath) -> Filter {
    Filter::Present(path)
}
fn and(l: Filter, r: Filter) -> Filter {
    Filter::And(Box::new(l), Box::new(r))
}
fn or(l: Filter, r: Filter) -> Filter {
    Filter::Or(Box::new(l), Box::new(r))
}
fn not(f: Filter) -> Filter {
    Filter::Not(Box::new(f))
}
fn vp(attr: AttrPath, f: Filter) -> Filter {
    Filter::ValuePath {
        attr,
        filter: Box::new(f),
    }
}

use CompareOp::*;

#[test]
fn parses_to_exact_ast() {
    let cases: Vec<(&str, Filter)> = vec![
        // ---- every operator
        (r#"userName eq "bjensen""#, eq(at("userName"), s("bjensen"))),
        (
            r#"userName ne "bjensen""#,
            cmp(at("userName"), Ne, s("bjensen")),
        ),
        (
            r#"name.familyName co "O'Malley""#,
            cmp(sub("name", "familyName"), Co, s("O'Malley")),
        ),
        (r#"userName sw "J""#, cmp(at("userName"), Sw, s("J"))),
        (r#"userName ew "sen""#, cmp(at("userName"), Ew, s("sen"))),
        (
            r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
            cmp(sub("meta", "lastModified"), Gt, s("2011-05-13T04:42:34Z")),
        ),
        (
            r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
            cmp(sub("meta", "lastModified"), Ge, s("2011-05-13T04:42:34Z")),
        ),
        (
            r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
            cmp(sub("meta", "lastModified"), Lt, s("2011-05-13T04:42:34Z")),
        ),
        (
            r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
            cmp(sub("meta", "lastModified"), Le, s("2011-05-13T04:42:34Z")),
        ),
        ("title pr", pr(at("title"))),
        // ---- case-insensitive operators and keywords
        (r#"userName EQ "x""#, eq(at("userName"), s("x"))),
        (r#"userName Eq "x""#, eq(at("userName"), s("x"))),
        (r#"userName NE "x""#, cmp(at("userName"), Ne, s("x"))),
        (r#"userName CO "x""#, cmp(at("userName"), Co, s("x"))),
        (r#"userName Sw "x""#, cmp(at("userName"), Sw, s("x"))),
        (r#"userName eW "x""#, cmp(at("userName"), Ew, s("x"))),
        ("age GT 1", cmp(at("age"), Gt, int(1))),
        ("age gE 1", cmp(at("age"), Ge, int(1))),
        ("age LT 1", cmp(at("age"), Lt, int(1))),
        ("age Le 1", cmp(at("age"), Le, int(1))),
        ("title PR", pr(at("title"))),
        ("a pr And b pr", and(pr(at("a")), pr(at("b")))),
        ("a pr AND b pr", and(pr(at("a")), pr(at("b")))),
        ("a pr OR b pr", or(pr(at("a")), pr(at("b")))),
        ("NOT (a pr)", not(pr(at("a")))),
        ("Not(a pr)", not(pr(at("a")))),
        ("active eq TRUE", eq(at("active"), CompValue::Bool(true))),
        ("active eq False", eq(at("active"), CompValue::Bool(false))),
        ("x eq NULL", eq(at("x"), CompValue::Null)),
        // ---- literals
        ("active eq true", eq(at("active"), CompValue::Bool(true))),
        ("active eq false", eq(at("active"), CompValue::Bool(false))),
        ("nickName eq null", eq(at("nickName"), CompValue::Null)),
        ("n eq 42", eq(at("n"), int(42))),
        ("n eq 0", eq(at("n"), int(0))),
        ("n eq -7", eq(at("n"), int(-7))),
        ("n eq 3.25", eq(at("n"), float(3.25))),
        ("n eq -0.5", eq(at("n"), float(-0.5))),
        ("n eq 1e3", eq(at("n"), float(1000.0))),
        ("n eq 1.5E+2", eq(at("n"), float(150.0))),
        ("n eq 25e-1", eq(at("n"), float(2.5))),
        (
            "n eq 18446744073709551615",
            eq(at("n"), CompValue::Number(Number::from(u64::MAX))),
        ),
        // ---- strings and escapes
        (r#"x eq """#, eq(at("x"), s(""))),
        (r#"x eq "say \"hi\"""#, eq(at("x"), s("say \"hi\""))),
        (r#"x eq "back\\slash""#, eq(at("x"), s("back\\slash"))),
        (r#"x eq "caf\u00e9""#, eq(at("x"), s("café"))),
        (r#"x eq "café""#, eq(at("x"), s("café"))),
        (r#"x eq "\ud83d\ude00""#, eq(at("x"), s("😀"))),
        (
            r#"x eq "a\/b\n\t\r\b\f""#,
            eq(at("x"), s("a/b\n\t\r\u{8}\u{c}")),
        ),
        (
            r#"x eq "and or not ( ) [ ]""#,
            eq(at("x"), s("and or not ( ) [ ]")),
        ),
        (r#"x eq "\u0041\u004A""#, eq(at("x"), s("AJ"))),
        // ---- attribute paths
        ("name.givenName pr", pr(sub("name", "givenName"))),
        ("members.$ref pr", pr(sub("members", "$ref"))),
        ("a-b_c1 pr", pr(at("a-b_c1"))),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
            eq(at("employeeNumber").in_schema(ENT), s("701984")),
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d""#,
            eq(
                sub("manager", "value").in_schema(ENT),
                s("26118915-6090-4610-87e4-49d8ca9f808d"),
            ),
        ),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
            cmp(at("userName").in_schema(CORE_USER), Sw, s("J")),
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:haystack:1.0:User:joinDate gt "2020-01-01T00:00:00Z""#,
            cmp(
                at("joinDate")
                    .in_schema("urn:ietf:params:scim:schemas:extension:haystack:1.0:User"),
                Gt,
                s("2020-01-01T00:00:00Z"),
            ),
        ),
        (
            "urn:scim:schemas:core:1.0:userName pr",
            pr(at("userName").in_schema("urn:scim:schemas:core:1.0")),
        ),
        // ---- precedence: and binds tighter than or, left associative
        (
            "a pr or b pr and c pr",
            or(pr(at("a")), and(pr(at("b")), pr(at("c")))),
        ),
        (
            "a pr and b pr or c pr",
            or(and(pr(at("a")), pr(at("b"))), pr(at("c"))),
        ),
        (
            "a pr and b pr and c pr",
            and(and(pr(at("a")), pr(at("b"))), pr(at("c"))),
        ),
        (
            "a pr or b pr or c pr",
            or(or(pr(at("a")), pr(at("b"))), pr(at("c"))),
        ),
        (
            "(a pr or b pr) and c pr",
            and(or(pr(at("a")), pr(at("b"))), pr(at("c"))),
        ),
        (
            "a pr and (b pr or c pr)",
            and(pr(at("a")), or(pr(at("b")), pr(at("c")))),
        ),
        (
            "a pr or (b pr or c pr)",
            or(pr(at("a")), or(pr(at("b")), pr(at("c")))),
        ),
        ("((a pr))", pr(at("a"))),
        ("(((a pr)) and ((b pr)))", and(pr(at("a")), pr(at("b")))),
        ("not (a pr) and b pr", and(not(pr(at("a"))), pr(at("b")))),
        ("not (a pr or b pr)", not(or(pr(at("a")), pr(at("b"))))),
        ("not (not (a pr))", not(not(pr(at("a"))))),
        ("a pr and not (b pr)", and(pr(at("a")), not(pr(at("b"))))),
        (
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
            and(
                cmp(at("userType"), Ne, s("Employee")),
                not(or(
                    cmp(at("emails"), Co, s("example.com")),
                    cmp(sub("emails", "value"), Co, s("example.org")),
                )),
            ),
        ),
        // ---- value paths
        (
            r#"emails[type eq "work"]"#,
            vp(at("emails"), eq(at("type"), s("work"))),
        ),
        (
            r#"emails[type eq "work" and value co "@example.com"]"#,
            vp(
                at("emails"),
                and(
                    eq(at("type"), s("work")),
                    cmp(at("value"), Co, s("@example.com")),
                ),
            ),
        ),
        (
            r#"emails[type eq "work" or (type eq "home" and value ew "@example.com")]"#,
            vp(
                at("emails"),
                or(
                    eq(at("type"), s("work")),
                    and(
                        eq(at("type"), s("home")),
                        cmp(at("value"), Ew, s("@example.com")),
                    ),
                ),
            ),
        ),
        (
            r#"emails[not (type eq "work")]"#,
            vp(at("emails"), not(eq(at("type"), s("work")))),
        ),
        (r#"emails[value pr]"#, vp(at("emails"), pr(at("value")))),
        (
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
            or(
                vp(
                    at("emails"),
                    and(
                        eq(at("type"), s("work")),
                        cmp(at("value"), Co, s("@example.com")),
                    ),
                ),
                vp(
                    at("ims"),
                    and(
                        eq(at("type"), s("xmpp")),
                        cmp(at("value"), Co, s("@foo.com")),
                    ),
                ),
            ),
        ),
        (
            r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#,
            vp(
                at("members"),
                eq(at("value"), s("2819c223-7f76-453a-919d-413861904646")),
            ),
        ),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:emails[primary eq true]"#,
            vp(
                at("emails").in_schema(CORE_USER),
                eq(at("primary"), CompValue::Bool(true)),
            ),
        ),
        // `attr[filter].sub op value` joins the element filter
        (
            r#"emails[type eq "work"].value eq "a@b.c""#,
            vp(
                at("emails"),
                and(eq(at("type"), s("work")), eq(at("value"), s("a@b.c"))),
            ),
        ),
        (
            r#"emails[type eq "work"].value pr"#,
            vp(
                at("emails"),
                and(eq(at("type"), s("work")), pr(at("value"))),
            ),
        ),
        (
            r#"emails[type eq "work" or type eq "home"].value sw "a""#,
            vp(
                at("emails"),
                and(
                    or(eq(at("type"), s("work")), eq(at("type"), s("home"))),
                    cmp(at("value"), Sw, s("a")),
                ),
            ),
        ),
        // ---- whitespace variants
        (r#"  userName eq "x"  "#, eq(at("userName"), s("x"))),
        ("userName\teq\t\"x\"", eq(at("userName"), s("x"))),
        ("userName\n eq \r\n\"x\"", eq(at("userName"), s("x"))),
        (r#"userName   eq    "x""#, eq(at("userName"), s("x"))),
        (r#"userName eq"x""#, eq(at("userName"), s("x"))),
        ("( a pr )", pr(at("a"))),
        ("not ( a pr )", not(pr(at("a")))),
        (
            r#"emails[ type eq "work" ]"#,
            vp(at("emails"), eq(at("type"), s("work"))),
        ),
        (
            r#"emails [type eq "work"]"#,
            vp(at("emails"), eq(at("type"), s("work"))),
        ),
        ("a pr and(b pr)", and(pr(at("a")), pr(at("b")))),
        // ---- attribute names that look like keywords
        (r#"not eq "x""#, eq(at("not"), s("x"))),
        ("and pr or or pr", or(pr(at("and")), pr(at("or")))),
        ("pr pr", pr(at("pr"))),
        ("eq eq 1", eq(at("eq"), int(1))),
        // ---- real IdP filters
        (
            r#"userName eq "test.user@okta.local""#,
            eq(at("userName"), s("test.user@okta.local")),
        ),
        (
            r#"externalId eq "0a21f0f2-8d2a-4f8e-bf98-7d2c4d2c0f11""#,
            eq(at("externalId"), s("0a21f0f2-8d2a-4f8e-bf98-7d2c4d2c0f11")),
        ),
        (
            r#"userName eq "Test_User_dfeef4c5-5681-4387-b016-bdf221e82081""#,
            eq(
                at("userName"),
                s("Test_User_dfeef4c5-5681-4387-b016-bdf221e82081"),
            ),
        ),
        (
            r#"displayName eq "Group""#,
            eq(at("displayName"), s("Group")),
        ),
        (
            r#"displayName eq "Holistics Admins""#,
            eq(at("displayName"), s("Holistics Admins")),
        ),
        (
            r#"emails[type eq "work"].value eq "Test_User_1@contoso.com""#,
            vp(
                at("emails"),
                and(
                    eq(at("type"), s("work")),
                    eq(at("value"), s("Test_User_1@contoso.com")),
                ),
            ),
        ),
        (
            r#"externalId eq "00ujl29u0le5T6Aj10h7" and userName eq "isaac@example.com""#,
            and(
                eq(at("externalId"), s("00ujl29u0le5T6Aj10h7")),
                eq(at("userName"), s("isaac@example.com")),
            ),
        ),
        (
            r#"id eq "user_01H" and members[value eq "user_02"]"#,
            and(
                eq(at("id"), s("user_01H")),
                vp(at("members"), eq(at("value"), s("user_02"))),
            ),
        ),
    ];
    let mut failures = Vec::new();
    for (input, want) in &cases {
        match Filter::parse(input) {
            Ok(got) if &got == want => {}
            Ok(got) => failures.push(format!("{input:?}\n   got  {got:?}\n   want {want:?}")),
            Err(e) => failures.push(format!("{input:?}: error {e}")),
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
fn prints_canonical_form() {
    let cases: &[(&str, &str)] = &[
        (r#"userName EQ "x""#, r#"userName eq "x""#),
        ("title   PR", "title pr"),
        ("a pr AND b pr OR c pr", "a pr and b pr or c pr"),
        ("a pr or b pr and c pr", "a pr or b pr and c pr"),
        ("(a pr or b pr) and c pr", "(a pr or b pr) and c pr"),
        ("a pr and (b pr and c pr)", "a pr and (b pr and c pr)"),
        ("(a pr and b pr) and c pr", "a pr and b pr and c pr"),
        ("a pr or (b pr or c pr)", "a pr or (b pr or c pr)"),
        ("a pr or (b pr and c pr)", "a pr or b pr and c pr"),
        ("(a pr)", "a pr"),
        ("NOT(a pr)", "not (a pr)"),
        ("not (a pr and b pr)", "not (a pr and b pr)"),
        (r#"x eq "caf\u00e9""#, r#"x eq "café""#),
        (r#"x eq "q\"b\\""#, r#"x eq "q\"b\\""#),
        (r#"x eq "\u0001\n""#, r#"x eq "\u0001\n""#),
        (r#"x eq "\/""#, r#"x eq "/""#),
        ("n eq 1e3", "n eq 1000.0"),
        ("n eq -12", "n eq -12"),
        ("n eq 0.5", "n eq 0.5"),
        ("b eq TRUE", "b eq true"),
        ("b eq False", "b eq false"),
        ("b eq NULL", "b eq null"),
        (r#"emails[ type eq "work" ]"#, r#"emails[type eq "work"]"#),
        (
            r#"emails[type eq "work"].value eq "a@b.c""#,
            r#"emails[type eq "work" and value eq "a@b.c"]"#,
        ),
        (
            r#"emails[type eq "w" or type eq "h"].value pr"#,
            r#"emails[(type eq "w" or type eq "h") and value pr]"#,
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value PR",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value pr",
        ),
        ("USERNAME pr", "USERNAME pr"),
    ];
    let mut failures = Vec::new();
    for (input, want) in cases {
        match Filter::parse(input) {
            Ok(f) => {
                let printed = f.to_string();
                if printed != *want {
                    failures.push(format!("{input:?} printed {printed:?}, want {want:?}"));
                }
                match Filter::parse(&printed) {
                    Ok(again) if again == f => {}
                    other => {
                        failures.push(format!("{input:?}: reparse of {printed:?} gave {other:?}"))
                    }
                }
            }
            Err(e) => failures.push(format!("{input:?}: error {e}")),
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

/// (input, character position reported, fragment of the message)
#[test]
fn rejects_with_invalid_filter_and_position() {
    let deep_parens = format!("{}a pr{}", "(".repeat(33), ")".repeat(33));
    let ok_parens = format!("{}a pr{}", "(".repeat(32), ")".repeat(32));
    let deep_not = format!("{}a pr{}", "not (".repeat(33), ")".repeat(33));
    let many_terms = vec!["a pr"; 1001].join(" and ");
    let cases: Vec<(&str, usize, &str)> = vec![
        ("", 0, "the filter is empty"),
        ("   ", 3, "the filter is empty"),
        (
            r#"userName equals "bjensen""#,
            9,
            "expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr) after 'userName', found 'equals'",
        ),
        ("userName", 8, "expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr) after 'userName', found end of input"),
        ("userName eq", 11, "expected a value (a quoted string, a number, true, false or null) after 'eq', found end of input"),
        ("userName eq bjensen", 12, "expected a value (a quoted string, a number, true, false or null) after 'eq', found 'bjensen'"),
        (r#"userName eq "bjensen"#, 12, "unterminated string"),
        (r#"userName eq "a\"#, 12, "unterminated string"),
        (r#"x eq "\x""#, 6, "invalid escape '\\x' in string"),
        (r#"x eq "\u12""#, 6, "invalid \\u escape"),
        (r#"x eq "\ud83d""#, 6, "unpaired surrogate"),
        (r#"x eq "\ude00""#, 6, "unpaired surrogate"),
        ("n eq 01", 5, "'01' is not a valid number"),
        ("n eq 1.", 5, "'1.' is not a valid number"),
        ("n eq -", 5, "'-' is not a valid number"),
        ("n eq 1e999", 5, "is not a valid number"),
        (r#"userName eq "a" and"#, 19, "expected an attribute path, '(' or 'not', found end of input"),
        (r#"userName eq "a" or or"#, 21, "found end of input"),
        (r#"userName eq "a" "b""#, 16, "expected 'and', 'or' or the end of the filter, found a string"),
        (r#"userName eq "a" xor b pr"#, 16, "expected 'and', 'or' or the end of the filter, found 'xor'"),
        ("(a pr", 5, "expected ')' or 'and' / 'or', found end of input"),
        ("a pr)", 4, "found ')'"),
        ("not a pr", 4, "expected a comparison operator"),
        ("()", 1, "expected an attribute path, '(' or 'not', found ')'"),
        (r#"emails[type eq "work""#, 21, "expected ']' to close the value filter"),
        (r#"emails[type eq "work"]]"#, 22, "found ']'"),
        (r#"emails[type[value eq "x"]]"#, 11, "value paths cannot be nested"),
        (r#"name.givenName[value eq "x"]"#, 14, "must follow an attribute without sub-attribute"),
        (r#"emails[type eq "work"].value"#, 28, "expected a comparison operator"),
        (r#"emails[type eq "work"]."#, 23, "expected an sub-attribute name"),
        ("1abc pr", 0, "an attribute name must start with a letter, found '1'"),
        ("user@name pr", 4, "invalid character '@' in attribute name"),
        ("name.given.x pr", 10, "more than one sub-attribute level"),
        ("name. pr", 5, "expected an sub-attribute name"),
        ("urn: pr", 0, "is not a valid schema URN"),
        ("urn:x:y: pr", 8, "expected an attribute name"),
        (r#"é eq "x""#, 0, "must start with a letter"),
        (r#"x eq "a" and é pr"#, 13, "must start with a letter"),
        ("[a pr]", 0, "expected an attribute path, '(' or 'not', found '['"),
        ("\"x\" eq x", 0, "found a string"),
        (&deep_parens, 32, "nesting too deep"),
        (&deep_not, 164, "nesting too deep"),
        (&many_terms, 9000, "filter too complex (more than 1000 comparisons)"),
    ];
    let mut failures = Vec::new();
    for (input, pos, fragment) in &cases {
        match Filter::parse(input) {
            Ok(f) => failures.push(format!("{input:?} parsed as {f:?}")),
            Err(e) => {
                let prefix = format!("invalid filter at position {pos}: ");
                if e.status != 400
                    || e.scim_type != Some(ScimType::InvalidFilter)
                    || !e.detail.starts_with(&prefix)
                    || !e.detail.contains(fragment)
                {
                    failures.push(format!(
                        "{input:?}: got {} {:?} {:?}; want position {pos} and {fragment:?}",
                        e.status, e.scim_type, e.detail
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    // The limits are inclusive.
    assert!(Filter::parse(&ok_parens).is_ok());
    assert!(Filter::parse(&vec!["a pr"; 1000].join(" or ")).is_ok());
}

#[test]
fn error_json_shape() {
    let err = Filter::parse("userName eq").unwrap_err();
    let body = err.to_json_v2();
    assert_eq!(
        body["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
    assert_eq!(body["status"], "400");
    assert_eq!(body["scimType"], "invalidFilter");
    assert_eq!(body["detail"], err.detail.as_str());
    assert_eq!(err.to_string(), err.detail);
}

#[test]
fn long_inputs_are_linear_and_safe() {
    // A 1 MB string value, and a long chain just under the term limit.
    let big = format!(r#"x eq "{}""#, "a".repeat(1 << 20));
    assert!(Filter::parse(&big).is_ok());
    let chain = vec![r#"emails[type eq "work" and value co "@"]"#; 500].join(" or ");
    let f = Filter::parse(&chain).unwrap();
    assert_eq!(f.term_count(), 1000);
    assert_eq!(Filter::parse(&f.to_string()).unwrap(), f);
    // Deep brackets are refused before any recursion gets deep.
    let hostile = "(".repeat(100_000);
    assert!(Filter::parse(&hostile).is_err());
    let hostile = "not (".repeat(100_000);
    assert!(Filter::parse(&hostile).is_err());
}

/// Inputs the fuzzer found; each must parse and print back to the same tree.
#[test]
fn fuzz_regressions_roundtrip() {
    let cases: &[&str] = &[
        // serde_json's fast float parser read -2.5e+33 as -2.5000000000000002e+33,
        // which then printed and re-parsed as a different number.
        "mea.listMoied gt \"2011-05\0\0\0\0\0\0\0\u{2}-13Malley\" and x eq -2.5e+33",
        "x eq 2.5e+33",
        "x eq 0.1",
        "x eq 1.7976931348623157e308",
        "x eq 5e-324",
        "x eq -0",
        "x eq -0.0",
        "x eq 9223372036854775808",
        "x eq -9223372036854775809",
        "x eq 123456789012345678901234567890",
    ];
    for input in cases {
        let f = Filter::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        let printed = f.to_string();
        assert_eq!(
            Filter::parse(&printed).ok(),
            Some(f),
            "{input:?} printed as {printed:?}"
        );
    }
    assert_eq!(
        Filter::parse("x eq -2.5e+33").unwrap(),
        eq(at("x"), float(-2.5e33))
    );
}
