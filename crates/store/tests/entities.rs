//! Proves the entities match the migrations: migrate a fresh SQLite file (and a fresh
//! PostgreSQL database when `ROSTER_TEST_POSTGRES_URL` is set), then insert and read back a row
//! of every entity, including JSON columns, column defaults, relations, FK cascades, unique
//! indexes and the `events.position` auto-increment.

use chrono::{DateTime, TimeZone, Utc};
use roster_migrations::{Migrator, MigratorTrait};
use roster_store::entity::prelude::*;
use roster_store::entity::{
    api_key, directory, directory_token, event, group, group_membership, organization,
    request_activity, user,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Database, DatabaseConnection, DbErr, EntityTrait, ModelTrait,
    NotSet, PaginatorTrait, QueryFilter, QueryOrder, Set, SqlErr,
};
use serde_json::json;

fn at(second: u32, micros: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 15, 0, second).unwrap()
        + chrono::Duration::microseconds(i64::from(micros))
}

fn assert_unique_violation<T: std::fmt::Debug>(result: Result<T, DbErr>, what: &str) {
    match result {
        Err(err) => assert!(
            matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))),
            "{what}: expected a unique violation, got {err:?}"
        ),
        Ok(row) => panic!("{what}: expected a unique violation, inserted {row:?}"),
    }
}

fn assert_foreign_key_violation<T: std::fmt::Debug>(result: Result<T, DbErr>, what: &str) {
    match result {
        Err(err) => assert!(
            matches!(
                err.sql_err(),
                Some(SqlErr::ForeignKeyConstraintViolation(_))
            ),
            "{what}: expected a foreign key violation, got {err:?}"
        ),
        Ok(row) => panic!("{what}: expected a foreign key violation, inserted {row:?}"),
    }
}

fn rich_json() -> serde_json::Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "Ada.Lovelace@Example.com",
        "name": { "givenName": "Ada", "familyName": "Lovelace", "formatted": "Ada “Countess” Lovelace ✓" },
        "emails": [{ "value": "ada@example.com", "type": "work", "primary": true }],
        "active": false,
        "employeeNumber": 1815,
        "ratio": 0.25,
        "manager": null,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { "department": "R&D" }
    })
}

async fn round_trip_every_entity(url: String) {
    let db = Database::connect(&url).await.expect("connect");
    Migrator::up(&db, None).await.expect("migrate");
    exercise(&db).await;
    db.close().await.expect("close");
}

async fn exercise(db: &DatabaseConnection) {
    // organizations
    let org = organization::ActiveModel {
        id: Set("org_01".into()),
        name: Set("Acme".into()),
        external_id: Set(Some("acme-ext".into())),
        directory_sync_enabled: Set(false),
        created_at: Set(at(1, 123_456)),
        updated_at: Set(at(2, 0)),
    }
    .insert(db)
    .await
    .expect("insert organization");
    assert_eq!(org.external_id.as_deref(), Some("acme-ext"));
    assert_eq!(org.created_at, at(1, 123_456));
    assert_eq!(
        Organization::find_by_id("org_01").one(db).await.unwrap(),
        Some(org.clone())
    );
    // NULL external ids do not collide; equal ones do.
    for (id, ext) in [("org_02", None), ("org_03", None)] {
        organization::ActiveModel {
            id: Set(id.into()),
            name: Set("Other".into()),
            external_id: Set(ext),
            directory_sync_enabled: Set(true),
            created_at: Set(at(3, 0)),
            updated_at: Set(at(3, 0)),
        }
        .insert(db)
        .await
        .expect("insert organization without external id");
    }
    let duplicate = organization::ActiveModel {
        id: Set("org_04".into()),
        name: Set("Dup".into()),
        external_id: Set(Some("acme-ext".into())),
        directory_sync_enabled: Set(true),
        created_at: Set(at(3, 0)),
        updated_at: Set(at(3, 0)),
    }
    .insert(db)
    .await;
    assert_unique_violation(duplicate, "organizations.external_id");

    // api_keys
    let key = api_key::ActiveModel {
        id: Set("key_01".into()),
        name: Set("ci".into()),
        key_hash: Set("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        created_at: Set(at(4, 0)),
        last_used_at: Set(Some(at(5, 999_999))),
        revoked_at: Set(None),
    }
    .insert(db)
    .await
    .expect("insert api key");
    assert_eq!(
        ApiKey::find_by_id("key_01").one(db).await.unwrap(),
        Some(key)
    );

    // directories: enabled / event_sequence come from the column defaults.
    let settings = json!({ "deactivation": "suspend", "seat_limit": 50, "roles": [{ "group": "Admins", "role": "admin", "priority": 1 }] });
    let dir = directory::ActiveModel {
        id: Set("directory_01".into()),
        organization_id: Set(org.id.clone()),
        name: Set("Okta".into()),
        provider: Set("okta".into()),
        scim_version: Set("2.0".into()),
        state: Set("pending".into()),
        enabled: NotSet,
        settings: Set(settings.clone()),
        event_sequence: NotSet,
        activated_at: Set(None),
        last_request_at: Set(Some(at(6, 0))),
        created_at: Set(at(6, 0)),
        updated_at: Set(at(6, 0)),
    }
    .insert(db)
    .await
    .expect("insert directory");
    assert!(dir.enabled, "enabled defaults to true");
    assert_eq!(dir.event_sequence, 0);
    assert_eq!(dir.settings, settings);
    let read = Directory::find_by_id("directory_01")
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read, dir);
    let mut active: directory::ActiveModel = read.into();
    active.enabled = Set(false);
    active.state = Set("active".into());
    active.event_sequence = Set(i64::MAX - 1);
    active.activated_at = Set(Some(at(7, 0)));
    let updated = active.update(db).await.expect("update directory");
    assert_eq!(
        Directory::find_by_id("directory_01").one(db).await.unwrap(),
        Some(updated.clone())
    );
    assert!(!updated.enabled);
    assert_eq!(updated.event_sequence, i64::MAX - 1);
    assert_eq!(
        org.find_related(Directory).all(db).await.unwrap(),
        vec![updated.clone()]
    );

    // A directory needs an existing organization.
    let orphan = directory::ActiveModel {
        id: Set("directory_orphan".into()),
        organization_id: Set("org_missing".into()),
        name: Set("x".into()),
        provider: Set("generic".into()),
        scim_version: Set("2.0".into()),
        state: Set("pending".into()),
        settings: Set(json!({})),
        created_at: Set(at(8, 0)),
        updated_at: Set(at(8, 0)),
        ..Default::default()
    }
    .insert(db)
    .await;
    assert_foreign_key_violation(orphan, "directories.organization_id");

    // directory_tokens
    let token = directory_token::ActiveModel {
        id: Set("token_01".into()),
        directory_id: Set(dir.id.clone()),
        token_hash: Set("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$dG9rZW4".into()),
        suffix: Set("a1B2".into()),
        created_at: Set(at(9, 0)),
        expires_at: Set(Some(at(10, 0))),
        last_used_at: Set(None),
    }
    .insert(db)
    .await
    .expect("insert directory token");
    assert_eq!(
        DirectoryToken::find_by_id("token_01")
            .one(db)
            .await
            .unwrap(),
        Some(token)
    );

    // users: version defaults to 1; JSON columns round-trip.
    let user = user::ActiveModel {
        id: Set("user_01".into()),
        directory_id: Set(dir.id.clone()),
        organization_id: Set(org.id.clone()),
        idp_id: Set(Some("00u1".into())),
        external_id: Set(Some("ext-1".into())),
        user_name: Set("Ada.Lovelace@Example.com".into()),
        user_name_key: Set("ada.lovelace@example.com".into()),
        display_name: Set(Some("Ada Lovelace".into())),
        primary_email: Set(Some("ada@example.com".into())),
        state: Set("active".into()),
        version: NotSet,
        data: Set(json!({ "first_name": "Ada", "emails": [{ "value": "ada@example.com", "primary": true }] })),
        raw_attributes: Set(rich_json()),
        created_at: Set(at(11, 0)),
        updated_at: Set(at(11, 0)),
        deleted_at: Set(None),
        manager_ref: Set(Some("00u9".into())),
        manager_id: Set(None),
    }
    .insert(db)
    .await
    .expect("insert user");
    assert_eq!(user.version, 1);
    assert_eq!(user.raw_attributes, rich_json());
    assert_eq!(
        User::find_by_id("user_01").one(db).await.unwrap(),
        Some(user.clone())
    );
    let same_key = user::ActiveModel {
        id: Set("user_02".into()),
        user_name: Set("ADA.LOVELACE@EXAMPLE.COM".into()),
        ..user.clone().into()
    };
    let same_key: user::ActiveModel = same_key.reset_all();
    assert_unique_violation(
        same_key.insert(db).await,
        "users (directory_id, user_name_key)",
    );

    // groups: member_count and version default.
    let grp = group::ActiveModel {
        id: Set("group_01".into()),
        directory_id: Set(dir.id.clone()),
        organization_id: Set(org.id.clone()),
        idp_id: Set(None),
        external_id: Set(Some("g-ext".into())),
        name: Set("Admins".into()),
        name_key: Set("admins".into()),
        app_group_key: Set(Some("admin".into())),
        member_count: NotSet,
        version: NotSet,
        raw_attributes: Set(json!({ "displayName": "Admins", "members": [] })),
        created_at: Set(at(12, 0)),
        updated_at: Set(at(12, 0)),
    }
    .insert(db)
    .await
    .expect("insert group");
    assert_eq!((grp.member_count, grp.version), (0, 1));
    assert_eq!(
        Group::find_by_id("group_01").one(db).await.unwrap(),
        Some(grp.clone())
    );

    // group_memberships (composite key) and the many-to-many relations through it.
    let membership = group_membership::ActiveModel {
        group_id: Set(grp.id.clone()),
        user_id: Set(user.id.clone()),
        directory_id: Set(dir.id.clone()),
        created_at: Set(at(13, 0)),
        display: Set(Some("Ada".into())),
    }
    .insert(db)
    .await
    .expect("insert membership");
    assert_eq!(
        GroupMembership::find_by_id((grp.id.clone(), user.id.clone()))
            .one(db)
            .await
            .unwrap(),
        Some(membership.clone())
    );
    let again = group_membership::ActiveModel {
        created_at: Set(at(14, 0)),
        ..membership.clone().into()
    }
    .reset_all()
    .insert(db)
    .await;
    assert_unique_violation(again, "group_memberships (group_id, user_id)");
    assert_eq!(
        user.find_related(Group).all(db).await.unwrap(),
        vec![grp.clone()]
    );
    assert_eq!(
        grp.find_related(User).all(db).await.unwrap(),
        vec![user.clone()]
    );

    // events: position is assigned 1, 2, 3 by the database.
    let new_event = |id: &str, sequence: Option<i64>, tx_id: Option<i64>| event::ActiveModel {
        position: NotSet,
        id: Set(id.into()),
        event_type: Set("user.created".into()),
        organization_id: Set(org.id.clone()),
        directory_id: Set(sequence.map(|_| dir.id.clone())),
        sequence: Set(sequence),
        tx_id: tx_id.map_or(NotSet, Set),
        data: Set(rich_json()),
        previous_attributes: Set(sequence.map(|_| json!({ "active": true }))),
        created_at: Set(at(15, 0)),
    };
    let first = new_event("evt_01", Some(1), None)
        .insert(db)
        .await
        .expect("insert event");
    assert_eq!(first.position, 1);
    assert_eq!(first.tx_id, 0, "tx_id defaults to 0");
    assert_eq!(first.previous_attributes, Some(json!({ "active": true })));
    Event::insert_many([
        new_event("evt_02", Some(2), Some(7)),
        new_event("evt_03", None, Some(7)),
    ])
    .exec(db)
    .await
    .expect("insert events");
    let events = Event::find()
        .order_by_asc(event::Column::Position)
        .all(db)
        .await
        .unwrap();
    assert_eq!(
        events.iter().map(|e| e.position).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(events[0], first);
    assert_eq!(events[1].data, rich_json());
    assert_eq!(events[2].directory_id, None);
    assert_eq!(events[2].sequence, None);
    assert_eq!(events[2].previous_attributes, None);
    assert_eq!(
        Event::find()
            .filter(event::Column::TxId.eq(7))
            .count(db)
            .await
            .unwrap(),
        2
    );
    assert_unique_violation(
        new_event("evt_dup", Some(2), None).insert(db).await,
        "events (directory_id, sequence)",
    );
    assert_unique_violation(
        new_event("evt_01", Some(9), None).insert(db).await,
        "events.id",
    );
    // Positions are never reused, even after the newest row is deleted.
    Event::delete_by_id(3).exec(db).await.unwrap();
    let fourth = new_event("evt_04", None, None).insert(db).await.unwrap();
    assert!(fourth.position > 3, "position reused: {}", fourth.position);

    // request_activity
    let mut activity_ids = Vec::new();
    for (status, scim_type) in [(201, None), (409, Some("uniqueness"))] {
        let activity = request_activity::ActiveModel {
            id: NotSet,
            directory_id: Set(dir.id.clone()),
            organization_id: Set(org.id.clone()),
            method: Set("POST".into()),
            path: Set("/scim/v2/directory_01/Users".into()),
            status: Set(status),
            latency_ms: Set(12),
            scim_type: Set(scim_type.map(str::to_owned)),
            error: Set(scim_type.map(|_| "userName already exists".to_owned())),
            created_at: Set(at(16, 0)),
            user_agent: Set(Some("Okta SCIM Client 1.0.0".into())),
            idp: Set(Some("okta".into())),
            request_excerpt: Set(Some("{\"password\":\"[redacted]\"}".into())),
        }
        .insert(db)
        .await
        .expect("insert request activity");
        assert_eq!(
            RequestActivity::find_by_id(activity.id)
                .one(db)
                .await
                .unwrap(),
            Some(activity.clone())
        );
        activity_ids.push(activity.id);
    }
    assert_eq!(activity_ids, [1, 2]);

    // Deleting the organization cascades to everything below it; events and activity stay.
    Organization::delete_by_id("org_01").exec(db).await.unwrap();
    assert_eq!(Directory::find().count(db).await.unwrap(), 0);
    assert_eq!(DirectoryToken::find().count(db).await.unwrap(), 0);
    assert_eq!(User::find().count(db).await.unwrap(), 0);
    assert_eq!(Group::find().count(db).await.unwrap(), 0);
    assert_eq!(GroupMembership::find().count(db).await.unwrap(), 0);
    assert_eq!(Event::find().count(db).await.unwrap(), 3);
    assert_eq!(RequestActivity::find().count(db).await.unwrap(), 2);
    assert_eq!(ApiKey::find().count(db).await.unwrap(), 1);
}

/// SQLite always; PostgreSQL too when `ROSTER_TEST_POSTGRES_URL` is set (always in CI).
#[tokio::test]
async fn entities_match_migrations_on_every_configured_engine() {
    roster_testdb::with_each_engine(round_trip_every_entity).await;
}
