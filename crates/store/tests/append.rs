//! The event store's append: many events from one write (a group of thousands deleted) keep
//! gapless sequences and stay under the engines' bound-parameter limits.

mod common;

use roster_core::{EventType, NewEvent};
use roster_store::{EventCursor, EventQuery};
use serde_json::json;

async fn big_appends(url: String) {
    let (store, directory, _) = common::store_with_directory(&url).await;

    // One write of 5,000 events (more than SQLite's 32,766 parameters in one INSERT would
    // allow), then one of a single event.
    let mut write = store
        .begin_directory_write(&directory)
        .await
        .expect("begin");
    let events: Vec<NewEvent> = (0..5000)
        .map(|i| {
            NewEvent::new(EventType::GroupUserRemoved, json!({"i": i}))
                .with_previous(json!({"n": i}))
        })
        .collect();
    let appended = write.append(events).await.expect("append 5,000");
    let sequences: Vec<i64> = appended.iter().filter_map(|e| e.sequence).collect();
    assert_eq!(sequences, (1..=5000).collect::<Vec<i64>>());
    assert_eq!(appended[1234].data, json!({"i": 1234}));
    write.commit().await.expect("commit");
    let mut write = store
        .begin_directory_write(&directory)
        .await
        .expect("begin");
    let one = write
        .append(vec![NewEvent::new(EventType::GroupDeleted, json!({}))])
        .await
        .expect("append one");
    assert_eq!(one[0].sequence, Some(5001));
    write.commit().await.expect("commit");

    // Read back in stream order: the same events, the same order, payloads intact.
    let mut seen = Vec::new();
    let mut after = EventCursor::default();
    loop {
        let page = store
            .list_events(&EventQuery {
                after,
                limit: 700,
                directory_id: Some(directory.clone()),
                ..EventQuery::default()
            })
            .await
            .expect("list");
        if page.events.is_empty() {
            break;
        }
        after = page.next_cursor;
        seen.extend(page.events);
    }
    let read: Vec<i64> = seen.iter().filter_map(|e| e.sequence).collect();
    assert_eq!(read, (1..=5001).collect::<Vec<i64>>());
    assert_eq!(seen[7].previous_attributes, Some(json!({"n": 7})));
    assert_eq!(seen[5000].previous_attributes, None);
    store.close().await;
}

#[tokio::test]
async fn one_write_can_append_thousands_of_events_in_order() {
    roster_testdb::with_each_engine(big_appends).await;
}
