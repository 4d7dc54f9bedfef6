//! PATCH engine benchmarks: member changes on small and very large groups,
//! and a typical Entra ID user update.
//!
//! `cargo bench -p roster-scim --bench patch -- --quick`

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use roster_scim::patch::{apply, PatchRequest};
use roster_scim::schema::SchemaRegistry;
use serde_json::{json, Value};

fn group(n: usize) -> Value {
    let members: Vec<Value> = (0..n)
        .map(
            |i| json!({"value": format!("user_{i:06}"), "display": format!("user{i}@example.com")}),
        )
        .collect();
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "group_1", "displayName": "Everyone", "members": members,
    })
}

fn add_members(from: usize, n: usize) -> PatchRequest {
    let values: Vec<Value> = (from..from + n)
        .map(
            |i| json!({"value": format!("user_{i:06}"), "display": format!("user{i}@example.com")}),
        )
        .collect();
    PatchRequest::parse(&json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "members", "value": values}],
    }))
    .expect("valid patch")
}

fn bench(c: &mut Criterion) {
    let registry = SchemaRegistry::new();

    let small = group(20);
    let req = add_members(1_000, 100);
    c.bench_function("add 100 members to a 20-member group", |b| {
        b.iter_batched(
            || small.clone(),
            |mut g| {
                let out = apply(&mut g, &req, &registry, "Group").expect("applies");
                (g, out)
            },
            BatchSize::SmallInput,
        )
    });

    let big = group(50_000);
    let req = add_members(50_000, 1_000);
    c.bench_function("add 1,000 members to a 50,000-member group", |b| {
        b.iter_batched(
            || big.clone(),
            |mut g| {
                let out = apply(&mut g, &req, &registry, "Group").expect("applies");
                (g, out)
            },
            BatchSize::LargeInput,
        )
    });

    let removes: Vec<Value> = (0..1_000)
        .map(|i| json!({"op": "remove", "path": format!("members[value eq \"user_{:06}\"]", i * 50)}))
        .collect();
    let req = PatchRequest::parse(&json!({"Operations": removes})).expect("valid patch");
    c.bench_function(
        "remove 1,000 members by filter from a 50,000-member group",
        |b| {
            b.iter_batched(
                || big.clone(),
                |mut g| {
                    let out = apply(&mut g, &req, &registry, "Group").expect("applies");
                    (g, out)
                },
                BatchSize::LargeInput,
            )
        },
    );

    // Okta's membership form plus a rename: not eligible for the member
    // fast path, so this measures the general (copy-for-atomicity) path.
    let mut ops: Vec<Value> = (0..100)
        .map(
            |i| json!({"op": "remove", "path": format!("members[value eq \"user_{:06}\"]", i * 7)}),
        )
        .collect();
    ops.push(
        json!({"op": "add", "path": "members", "value": (60_000..60_100)
        .map(|i| json!({"value": format!("user_{i:06}")})).collect::<Vec<_>>()}),
    );
    ops.push(
        json!({"op": "replace", "value": {"id": "group_1", "displayName": "Everyone (renamed)"}}),
    );
    let req = PatchRequest::parse(&json!({"Operations": ops})).expect("valid patch");
    c.bench_function(
        "Okta remove 100 + add 100 + rename on a 50,000-member group",
        |b| {
            b.iter_batched(
                || big.clone(),
                |mut g| {
                    let out = apply(&mut g, &req, &registry, "Group").expect("applies");
                    (g, out)
                },
                BatchSize::LargeInput,
            )
        },
    );

    let ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    let user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ent],
        "id": "user_1", "externalId": "3c1f8f0e-1d8b-4a51-9f1e-2a7b0c4d5e6f",
        "userName": "noor@contoso.example", "active": true, "displayName": "Noor Haddad",
        "name": {"givenName": "Noor", "familyName": "Haddad", "formatted": "Noor Haddad"},
        "emails": [{"value": "noor@contoso.example", "type": "work", "primary": true}],
        ent: {"employeeNumber": "40117", "department": "Finance"},
    });
    let req = PatchRequest::parse(&json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "noor.haddad@contoso.example"},
            {"op": "Replace", "path": "name.familyName", "value": "Haddad-Saleh"},
            {"op": "Add", "path": format!("{ent}:manager"), "value": "user_90"},
            {"op": "Replace", "path": "active", "value": "False"},
        ],
    }))
    .expect("valid patch");
    c.bench_function("Entra user PATCH (4 ops)", |b| {
        b.iter_batched(
            || user.clone(),
            |mut u| {
                let out = apply(&mut u, &req, &registry, "User").expect("applies");
                (u, out)
            },
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
