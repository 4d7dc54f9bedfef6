use sea_orm::{DbErr, RuntimeErr, SqlErr};

/// Everything that can go wrong in storage, sorted by what the caller should do about it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist (or belongs to another tenant, which callers must not reveal).
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was violated; the message names what clashed.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database cannot be reached right now; the request may be retried.
    #[error("database unavailable: {0}")]
    Unavailable(#[source] DbErr),
    /// Anything else from the database: a bug or an operational problem, never the client's fault.
    #[error("database error: {0}")]
    Database(#[source] DbErr),
    /// A stored value could not be read back (e.g. settings JSON of an unknown shape).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(detail)) => return StoreError::Conflict(detail),
            // What the row pointed at (a directory, a user) was deleted concurrently.
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => return StoreError::NotFound,
            _ => {}
        }
        match &err {
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => StoreError::Unavailable(err),
            DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))
                if is_connection_error(e) =>
            {
                StoreError::Unavailable(err)
            }
            _ => StoreError::Database(err),
        }
    }
}

fn is_connection_error(e: &sea_orm::sqlx::Error) -> bool {
    use sea_orm::sqlx::Error;
    matches!(
        e,
        Error::Io(_)
            | Error::PoolTimedOut
            | Error::PoolClosed
            | Error::WorkerCrashed
            | Error::Tls(_)
    )
}

pub type Result<T> = std::result::Result<T, StoreError>;
