//! [`super::review::ReviewStorage`] on the PostgreSQL backend.
