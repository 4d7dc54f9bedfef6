//! `GET /directories/{id}/users[/{user_id}[/groups]]`: the directory's normalized users, in the
//! shape their `user.*` events carry, each page with the directory's event sequence of the same
//! snapshot (see `api/read.rs` and docs/read-api.md).

use super::dto::{GroupPageOut, UserObject, UserPageOut};
use super::read::{self, CursorOf, PageParams, UserListParams};
use super::{method_not_allowed, ApiKey};
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use roster_store::read::UserQuery;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/directories/{directory_id}/users")
            .default_service(method_not_allowed("GET"))
            .route(web::get().to(list)),
    )
    .service(
        web::resource("/directories/{directory_id}/users/{user_id}")
            .default_service(method_not_allowed("GET"))
            .route(web::get().to(get)),
    )
    .service(
        web::resource("/directories/{directory_id}/users/{user_id}/groups")
            .default_service(method_not_allowed("GET"))
            .route(web::get().to(list_groups)),
    );
}

/// The directory's users, in id order, each exactly as `user.*` events carry it (with its
/// `groups`).
///
/// Which users are listed follows the directory's deactivation policy, so that this list and the
/// event stream always agree: under `suspend`, every user, including those the IdP deleted (kept
/// as `inactive`); under `delete`, active users only — an inactive user was reported as
/// `user.deleted`.
///
/// `as_of_sequence` is the directory's last event `sequence` read in the same database snapshot
/// as the page. To build a complete copy and keep it current: read every page, note the **first**
/// page's `as_of_sequence` N, then apply `GET /api/v1/events?directory_id=…&after_sequence=N` and
/// follow its `next_cursor`. Events that a later page already shows are applied again harmlessly:
/// each `user.*` / `group.*` event carries the whole object as of that event.
#[utoipa::path(get, operation_id = "list_directory_users", path = "/api/v1/directories/{directory_id}/users", tag = "directory data",
    params(("directory_id" = String, Path), UserListParams),
    responses((status = 200, body = UserPageOut), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn list(
    _key: ApiKey,
    state: web::Data<AppState>,
    path: web::Path<String>,
    params: web::Query<UserListParams>,
) -> Result<HttpResponse, ApiError> {
    let query = UserQuery {
        limit: read::limit(params.limit)?,
        after: read::cursor(params.after.as_deref(), CursorOf::Users)?,
        state: read::user_state(params.state.as_deref())?,
        group_id: params.group_id.clone().filter(|g| !g.is_empty()),
        updated_after: read::updated_after(params.updated_after.as_deref())?,
    };
    let page = state
        .store
        .read_users(&path, &query)
        .await?
        .map_err(read::not_found)?;
    Ok(HttpResponse::Ok().json(UserPageOut {
        data: page.data.into_iter().map(read::user_json).collect(),
        next_cursor: page.next_cursor,
        as_of_sequence: page.as_of_sequence,
    }))
}

/// One user of the directory, as `user.*` events carry it. 404 when the user is not in this
/// directory, or when the `delete` policy hides it (an inactive user was reported as deleted).
#[utoipa::path(get, operation_id = "get_directory_user", path = "/api/v1/directories/{directory_id}/users/{user_id}", tag = "directory data",
    params(("directory_id" = String, Path), ("user_id" = String, Path)),
    responses((status = 200, body = UserObject), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn get(
    _key: ApiKey,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (directory_id, user_id) = path.into_inner();
    let user = state
        .store
        .read_user(&directory_id, &user_id)
        .await?
        .map_err(read::not_found)?;
    Ok(HttpResponse::Ok().json(read::user_json(user)))
}

/// The groups a user is in, in id order, each as `group.*` events carry it, with the
/// directory's `as_of_sequence`. 404 as for the user itself.
#[utoipa::path(get, operation_id = "list_directory_user_groups", path = "/api/v1/directories/{directory_id}/users/{user_id}/groups", tag = "directory data",
    params(("directory_id" = String, Path), ("user_id" = String, Path), PageParams),
    responses((status = 200, body = GroupPageOut), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn list_groups(
    _key: ApiKey,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let (directory_id, user_id) = path.into_inner();
    let limit = read::limit(params.limit)?;
    let after = read::cursor(params.after.as_deref(), CursorOf::Groups)?;
    let page = state
        .store
        .read_user_groups(&directory_id, &user_id, after.as_deref(), limit)
        .await?
        .map_err(read::not_found)?;
    Ok(HttpResponse::Ok().json(GroupPageOut {
        data: page.data.iter().map(read::group_json).collect(),
        next_cursor: page.next_cursor,
        as_of_sequence: page.as_of_sequence,
    }))
}
