//! Who may call a handler, said by the types of its arguments rather than by a check each
//! handler must remember:
//!
//! - [`Admin`]: a signed-in administrator; anyone else is refused (`forbidden`) before the
//!   handler runs;
//! - [`Technician`]: a signed-in MDA technician, with their MDA and its services;
//! - [`CsrfForm<W>`]: a POST body that carried the session's CSRF token, from a `W` (any
//!   signed-in person, an [`Admin`] or a [`Technician`]). It is the only way a handler can read a
//!   form: [`FormData`] cannot be parsed anywhere else. Its checks run in the order the console
//!   has always applied them: signed in, then the token, then the role.
//! - [`LoginForm`]: the login form, whose token is checked against its own cookie (there is no
//!   session yet).

use super::auth::{CSRF_FIELD, LOGIN_COOKIE, Signed, cookie, same_secret};
use super::{Console, ConsoleError};
use crate::storage::Storage;
use crate::storage::review::{ConsoleRole, ReviewStorage};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use std::ops::Deref;
use std::sync::Arc;

/// An `application/x-www-form-urlencoded` body, keeping repeated keys (bulk selections). Only
/// [`CsrfForm`] and [`LoginForm`] make one, after checking its token.
#[derive(Debug, Default)]
pub struct FormData(Vec<(String, String)>);

impl FormData {
    fn parse(body: &[u8]) -> FormData {
        FormData(form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    pub fn all(&self, key: &str) -> impl Iterator<Item = &str> {
        self.0.iter().filter(move |(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// A signed-in person in a role: made from a [`Signed`] or refused.
pub trait SignedAs: Sized {
    fn from_signed(signed: Signed) -> Result<Self, ConsoleError>;
    fn signed(&self) -> &Signed;
}

impl SignedAs for Signed {
    fn from_signed(signed: Signed) -> Result<Signed, ConsoleError> {
        Ok(signed)
    }

    fn signed(&self) -> &Signed {
        self
    }
}

/// A signed-in administrator.
#[derive(Debug, Clone)]
pub struct Admin(Signed);

impl SignedAs for Admin {
    fn from_signed(signed: Signed) -> Result<Admin, ConsoleError> {
        match signed.user.role {
            ConsoleRole::Admin => Ok(Admin(signed)),
            ConsoleRole::Technician => Err(ConsoleError::Forbidden),
        }
    }

    fn signed(&self) -> &Signed {
        &self.0
    }
}

impl Deref for Admin {
    type Target = Signed;

    fn deref(&self) -> &Signed {
        &self.0
    }
}

/// A signed-in MDA technician: every review query is bounded by [`Signed::services`], the
/// services of [`Technician::mda`].
#[derive(Debug, Clone)]
pub struct Technician {
    signed: Signed,
    pub mda: String,
}

impl SignedAs for Technician {
    fn from_signed(signed: Signed) -> Result<Technician, ConsoleError> {
        match (&signed.user.role, &signed.user.mda) {
            (ConsoleRole::Technician, Some(mda)) => {
                let mda = mda.clone();
                Ok(Technician { signed, mda })
            }
            _ => Err(ConsoleError::Forbidden),
        }
    }

    fn signed(&self) -> &Signed {
        &self.signed
    }
}

impl Deref for Technician {
    type Target = Signed;

    fn deref(&self) -> &Signed {
        &self.signed
    }
}

impl<S: Storage + ReviewStorage> FromRequestParts<Arc<Console<S>>> for Admin {
    type Rejection = ConsoleError;

    async fn from_request_parts(parts: &mut Parts, console: &Arc<Console<S>>) -> Result<Admin, ConsoleError> {
        Admin::from_signed(Signed::from_request_parts(parts, console).await?)
    }
}

impl<S: Storage + ReviewStorage> FromRequestParts<Arc<Console<S>>> for Technician {
    type Rejection = ConsoleError;

    async fn from_request_parts(parts: &mut Parts, console: &Arc<Console<S>>) -> Result<Technician, ConsoleError> {
        Technician::from_signed(Signed::from_request_parts(parts, console).await?)
    }
}

/// A form posted by `who` with this session's CSRF token.
#[derive(Debug)]
pub struct CsrfForm<W> {
    pub who: W,
    pub form: FormData,
}

impl<S: Storage + ReviewStorage, W: SignedAs> FromRequest<Arc<Console<S>>> for CsrfForm<W> {
    type Rejection = Response;

    async fn from_request(request: Request, console: &Arc<Console<S>>) -> Result<CsrfForm<W>, Response> {
        let (mut parts, body) = request.into_parts();
        let signed = Signed::from_request_parts(&mut parts, console).await.map_err(IntoResponse::into_response)?;
        let form = form_body(Request::from_parts(parts, body), console).await?;
        match form.get(CSRF_FIELD) {
            Some(token) if same_secret(token, &signed.csrf_token) => {}
            _ => return Err(ConsoleError::Csrf.into_response()),
        }
        let who = W::from_signed(signed).map_err(IntoResponse::into_response)?;
        Ok(CsrfForm { who, form })
    }
}

/// The login form, its token matching the login cookie (double submit).
#[derive(Debug)]
pub struct LoginForm(pub FormData);

impl<S: Storage + ReviewStorage> FromRequest<Arc<Console<S>>> for LoginForm {
    type Rejection = Response;

    async fn from_request(request: Request, console: &Arc<Console<S>>) -> Result<LoginForm, Response> {
        let login_token = cookie(request.headers(), LOGIN_COOKIE).map(str::to_string);
        let form = form_body(request, console).await?;
        match (login_token, form.get(CSRF_FIELD)) {
            (Some(cookie), Some(field)) if same_secret(&cookie, field) => Ok(LoginForm(form)),
            _ => Err(ConsoleError::Csrf.into_response()),
        }
    }
}

/// The body as form data, within the router's body limit (axum's own refusal beyond it).
async fn form_body<S: Storage + ReviewStorage>(
    request: Request,
    console: &Arc<Console<S>>,
) -> Result<FormData, Response> {
    let body = axum::body::Bytes::from_request(request, console).await.map_err(IntoResponse::into_response)?;
    Ok(FormData::parse(&body))
}
