//! Arbitrary bytes → `Filter::parse` and `PatchPath::parse`.
//!
//! Invariants: no panic, no stack overflow, and whatever parses prints back
//! to text that parses to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roster_scim::filter::{plan, DefaultUserGroupTypes, Filter, ResourceKind};
use roster_scim::path::{AttrPath, PatchPath};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(f) = Filter::parse(s) {
        let printed = f.to_string();
        let again = Filter::parse(&printed)
            .unwrap_or_else(|e| panic!("printed filter {printed:?} does not parse: {e}"));
        assert_eq!(f, again, "roundtrip changed the filter {printed:?}");
        // Evaluation and planning must not panic either.
        let resource = serde_json::json!({
            "userName": "a", "active": true, "emails": [{"value": "x@y", "type": "work"}],
            "meta": {"lastModified": "2020-01-01T00:00:00Z"}, "members": [{"value": "1"}],
        });
        let _ = f.matches(&resource, &DefaultUserGroupTypes);
        let _ = plan(&f, ResourceKind::User);
        let _ = plan(&f, ResourceKind::Group);
    }
    if let Ok(p) = PatchPath::parse(s) {
        let printed = p.to_string();
        let again = PatchPath::parse(&printed)
            .unwrap_or_else(|e| panic!("printed path {printed:?} does not parse: {e}"));
        assert_eq!(p, again, "roundtrip changed the path {printed:?}");
    }
    if let Ok(p) = AttrPath::parse(s) {
        assert_eq!(AttrPath::parse(&p.to_string()).ok(), Some(p));
    }
});
