//! List query parameters and ListResponse bodies.

use roster_scim::error::ScimType;
use roster_scim::list::{percent_decode, ListLimits, ListQuery, ListResponse, SortOrder};
use serde_json::json;

fn q(s: &str) -> Result<ListQuery, roster_scim::ScimError> {
    ListQuery::from_query_string(s, &ListLimits::default())
}

#[test]
fn paging_parameters() {
    // (query, start_index, count, page_size)
    let table: Vec<(&str, usize, Option<usize>, usize)> = vec![
        ("", 1, None, 100),
        ("startIndex=1&count=1", 1, Some(1), 1),
        ("startIndex=1&count=2", 1, Some(2), 2),
        ("startIndex=101&count=100", 101, Some(100), 100),
        ("startIndex=0", 1, None, 100),
        ("startIndex=-5", 1, None, 100),
        ("count=-1", 1, Some(0), 0),
        ("count=0", 1, Some(0), 0),
        ("count=5000", 1, Some(1000), 1000),
        ("count=99999999999999999999999", 1, Some(1000), 1000),
        (
            "startIndex=99999999999999999999999",
            i64::MAX as usize,
            None,
            100,
        ),
        ("STARTINDEX=3&Count=7", 3, Some(7), 7),
        ("startindex=2", 2, None, 100),
        ("?startIndex=4", 4, None, 100),
        ("count=%2010%20", 1, Some(10), 10),
        ("aadOptscim062020", 1, None, 100),
        ("aadOptscim062020&startIndex=2&count=3", 2, Some(3), 3),
        (
            "startIndex=1&count=100&foo=bar&AzureAdScimPatch2017",
            1,
            Some(100),
            100,
        ),
        ("count=2&count=3", 1, Some(3), 3),
    ];
    for (query, start, count, page) in table {
        let lq = q(query).unwrap_or_else(|e| panic!("{query}: {}", e.detail));
        assert_eq!(lq.start_index, start, "{query}");
        assert_eq!(lq.count, count, "{query}");
        assert_eq!(lq.page_size(), page, "{query}");
        assert_eq!(lq.offset(), start - 1, "{query}");
    }
}

#[test]
fn bad_values_name_the_parameter() {
    let table: Vec<(&str, ScimType, &str)> = vec![
        (
            "startIndex=abc",
            ScimType::InvalidValue,
            "startIndex: 'abc' is not an integer",
        ),
        (
            "count=ten",
            ScimType::InvalidValue,
            "count: 'ten' is not an integer",
        ),
        (
            "count=1.5",
            ScimType::InvalidValue,
            "count: '1.5' is not an integer",
        ),
        (
            "count=",
            ScimType::InvalidValue,
            "count: '' is not an integer",
        ),
        (
            "sortOrder=sideways",
            ScimType::InvalidValue,
            "sortOrder: 'sideways'",
        ),
        (
            "filter=userName%20equals%20%22x%22",
            ScimType::InvalidFilter,
            "filter: invalid filter at position 9",
        ),
        ("filter=userName%20eq", ScimType::InvalidFilter, "filter: "),
    ];
    for (query, t, detail) in table {
        let e = q(query).unwrap_err();
        assert_eq!(e.status, 400, "{query}");
        assert_eq!(e.scim_type, Some(t), "{query}");
        assert!(e.detail.contains(detail), "{query}: {}", e.detail);
    }
}

#[test]
fn filter_and_attribute_parameters() {
    let lq = q("filter=userName+eq+%22test.user%40okta.local%22&startIndex=1&count=100").unwrap();
    assert_eq!(
        lq.filter_text.as_deref(),
        Some("userName eq \"test.user@okta.local\"")
    );
    assert!(lq.filter.is_some());
    let lq = q("filter=emails%5Btype%20eq%20%22work%22%5D.value%20eq%20%22a%40b.c%22").unwrap();
    assert_eq!(
        lq.filter_text.as_deref(),
        Some("emails[type eq \"work\"].value eq \"a@b.c\"")
    );
    let lq = q("filter=").unwrap();
    assert!(lq.filter.is_none());
    let lq = q("excludedAttributes=members&filter=displayName%20eq%20%22Eng%22").unwrap();
    assert_eq!(lq.excluded_attributes, vec!["members"]);
    let lq = q("attributes=userName,%20name.givenName,,emails").unwrap();
    assert_eq!(lq.attributes, vec!["userName", "name.givenName", "emails"]);
    let lq = q("sortBy=userName&sortOrder=descending").unwrap();
    assert_eq!(lq.sort_by.as_deref(), Some("userName"));
    assert_eq!(lq.sort_order, SortOrder::Descending);
    let lq = q("sortOrder=ASCENDING").unwrap();
    assert_eq!(lq.sort_order, SortOrder::Ascending);
    let lq = ListQuery::from_pairs(
        [("count", "50"), ("unknown", "x")],
        &ListLimits {
            max_count: 10,
            default_count: 5,
        },
    )
    .unwrap();
    assert_eq!(lq.count, Some(10));
    let lq = ListQuery::from_pairs(
        Vec::<(String, String)>::new(),
        &ListLimits {
            max_count: 10,
            default_count: 5,
        },
    )
    .unwrap();
    assert_eq!(lq.page_size(), 5);
}

#[test]
fn percent_decoding() {
    let table = [
        ("a%20b", "a b"),
        ("a+b", "a b"),
        ("%22x%22", "\"x\""),
        ("%", "%"),
        ("%zz", "%zz"),
        ("%2", "%2"),
        ("%C3%A9", "é"),
        ("%FF", "\u{FFFD}"),
        ("plain", "plain"),
    ];
    for (raw, want) in table {
        assert_eq!(percent_decode(raw), want, "{raw}");
    }
}

#[test]
fn page_slicing() {
    let items: Vec<u32> = (1..=10).collect();
    let table = [
        ("startIndex=1&count=3", vec![1, 2, 3]),
        ("startIndex=9&count=5", vec![9, 10]),
        ("startIndex=11&count=5", vec![]),
        ("startIndex=500", vec![]),
        ("count=0", vec![]),
        ("", (1..=10).collect()),
    ];
    for (query, want) in table {
        assert_eq!(q(query).unwrap().page(&items), want.as_slice(), "{query}");
    }
}

#[test]
fn list_response_shapes() {
    let page = ListResponse::new(vec![json!({"id": "u1"}), json!({"id": "u2"})], 12, 3);
    assert_eq!(
        page.to_json_v2(),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 12,
               "startIndex": 3, "itemsPerPage": 2, "Resources": [{"id": "u1"}, {"id": "u2"}]})
    );
    assert_eq!(
        page.to_json_v1(),
        json!({"schemas": ["urn:scim:schemas:core:1.0"], "totalResults": 12,
               "startIndex": 3, "itemsPerPage": 2, "Resources": [{"id": "u1"}, {"id": "u2"}]})
    );
    let empty = ListResponse::new(vec![], 0, 0).to_json_v2();
    assert_eq!(empty["totalResults"], 0);
    assert!(
        empty["totalResults"].is_u64(),
        "totalResults must be an integer (Okta)"
    );
    assert_eq!(empty["startIndex"], 1);
    assert_eq!(empty["Resources"], json!([]));
}
