//! The registrant pages: server-rendered HTML under `/{lang}/…`, forms only, no JavaScript.
//!
//! | method and path | page |
//! |---|---|
//! | `GET /` | redirects to the language the browser prefers |
//! | `GET /{lang}/` | what the desk is; a form for the domain name |
//! | `GET /{lang}/name?d=shop.example` | the notice's link: what happened to the name, three choices |
//! | `POST /{lang}/cases` | opens a case, then to its page |
//! | `GET /{lang}/cases/{id}` | the case: state, how to prove control, what next, history |
//! | `POST /{lang}/cases/{id}/email` | mails a code bound to this session |
//! | `POST /{lang}/cases/{id}/code` | checks it |
//! | `POST /{lang}/cases/{id}/dns` | checks the TXT challenge |
//! | `POST /{lang}/cases/{id}/transfer-code` | the transfer code, once, with the registrars |
//! | `POST /{lang}/cases/{id}/continuity-dns` | switches the name to continuity DNS |
//!
//! From the notice's link to a transfer code takes four form posts: choose *move*, send the
//! code, confirm it, get the transfer code. Every post carries the session's form token
//! ([`crate::session`]); a post without it, or with another session's, is refused and recorded.
//! Every refusal comes back as a page saying what happened and what to do, in the page's
//! language.

pub mod i18n;
pub mod pages;

use axum::Router;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::Markup;
use nameward_registry::continuity::desk::{CaseKind, DeskRefusal};
use nameward_registry::service::{DeskError, NewCase, Visitor};
use serde::Deserialize;

use crate::api::{Desk, VisitorParts};
use i18n::{Lang, fill};
use pages::{Frame, Note};

/// The pages' routes (the session layer is added by [`crate::router`]).
pub fn routes() -> Router<Desk> {
    Router::new()
        .route("/", get(root))
        .route("/desk.css", get(stylesheet))
        .route("/{lang}/", get(home))
        .route("/{lang}", get(home))
        .route("/{lang}/name", get(landing))
        .route("/{lang}/cases", post(open_case))
        .route("/{lang}/cases/{id}", get(show_case))
        .route("/{lang}/cases/{id}/email", post(send_code))
        .route("/{lang}/cases/{id}/code", post(confirm_code))
        .route("/{lang}/cases/{id}/dns", post(check_dns))
        .route("/{lang}/cases/{id}/transfer-code", post(transfer_code))
        .route("/{lang}/cases/{id}/continuity-dns", post(continuity_dns))
}

/// A rendered page with the status it goes with.
struct Page(StatusCode, Markup);

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let mut response = (self.0, self.1.into_string()).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        response
    }
}

/// What a handler knows of its request's page.
struct Ctx {
    desk: Desk,
    lang: Lang,
    visitor: VisitorParts,
    path: String,
}

impl Ctx {
    fn frame(&self) -> Frame<'_> {
        Frame {
            lang: self.lang,
            registry: &self.desk.registry_name,
            host: self.desk.public_host(),
            path: &self.path,
            csrf: &self.visitor.csrf,
        }
    }

    fn visitor(&self) -> Visitor<'_> {
        self.visitor.visitor()
    }

    fn problem(&self, status: StatusCode, note: Note, back: Option<&str>) -> Response {
        Page(status, pages::problem(&self.frame(), &note, back)).into_response()
    }

    /// Refuses a post without this session's form token, and records the refusal.
    async fn check_csrf(&self, token: &str, case: Option<&str>) -> Result<(), Response> {
        if self.visitor.session.csrf_ok(token) {
            return Ok(());
        }
        self.desk.record_refusal("form", "csrf", &self.visitor, case).await;
        let back = case.map(|id| format!("/cases/{id}"));
        Err(self.problem(StatusCode::FORBIDDEN, note("csrf", None), back.as_deref()))
    }

    /// The page for a refused or failed step: the case page with the refusal explained when
    /// the case can be shown, else a page of its own.
    async fn refused(&self, error: DeskError, case: Option<&str>) -> Response {
        let (status, note) = explain(self.lang, &error);
        if let Some(id) = case
            && !matches!(&error, DeskError::Refused(DeskRefusal::NoCase(_)))
            && let Ok(page) = self.case_page(id, Some(&note), status).await
        {
            return page;
        }
        self.problem(status, note, None)
    }

    /// [`Ctx::refused`] for a step the visitor asked for, the refusal logged first.
    async fn step_refused(&self, step: &str, error: DeskError, case: Option<&str>) -> Response {
        log_refusal(step, case, &error);
        self.refused(error, case).await
    }

    async fn case_page(
        &self,
        id: &str,
        note: Option<&Note>,
        status: StatusCode,
    ) -> Result<Response, DeskError> {
        let case = self.desk.registry.desk_case(id, &self.visitor.key).await?;
        let name = self.desk.registry.desk_name(&case.domain, self.desk.options).await?;
        let address = name.as_ref().and_then(|name| name.address.clone());
        let dns_on = self.desk.resolver.is_some();
        let page = pages::case_page(&self.frame(), &case, address.as_deref(), note, dns_on);
        Ok(Page(status, page).into_response())
    }
}

fn note(kind: &str, detail: Option<String>) -> Note {
    Note { kind: kind.to_owned(), detail }
}

/// The status and the explanation of a refused or failed step.
fn explain(lang: Lang, error: &DeskError) -> (StatusCode, Note) {
    let words = lang.words();
    match error {
        DeskError::Refused(refusal) => {
            let detail = match refusal {
                DeskRefusal::TooSoon { retry_at, .. } => {
                    Some(fill(words.wait_until, &[("time", &pages::moment(*retry_at))]))
                }
                DeskRefusal::WrongCode { remaining, retry_at } => Some(fill(
                    words.tries_left,
                    &[("remaining", &remaining.to_string()), ("time", &pages::moment(*retry_at))],
                )),
                DeskRefusal::ChallengeMissing(name) => Some(format!("{name} TXT")),
                _ => None,
            };
            (crate::api::refusal_status(refusal), note(refusal.kind(), detail))
        }
        DeskError::Mail(_) => (StatusCode::BAD_GATEWAY, note("mail-failed", None)),
        DeskError::Service(service) => match service.epp_code() {
            2303 | 2306 => (StatusCode::NOT_FOUND, note("no-domain", None)),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, note("internal", None)),
        },
    }
}

async fn ctx(desk: Desk, lang: &str, visitor: VisitorParts, path: String) -> Result<Ctx, Response> {
    match Lang::parse(lang) {
        Some(lang) => Ok(Ctx { desk, lang, visitor, path }),
        None => {
            let ctx = Ctx { desk, lang: Lang::En, visitor, path: "/".to_owned() };
            Err(ctx.problem(StatusCode::NOT_FOUND, note("not-found", None), None))
        }
    }
}

async fn root(headers: HeaderMap) -> Redirect {
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    Redirect::to(&format!("/{}/", Lang::from_accept(accept).code()))
}

async fn stylesheet() -> Response {
    let headers = [
        (header::CONTENT_TYPE, "text/css; charset=utf-8"),
        (header::CACHE_CONTROL, "public, max-age=3600"),
    ];
    (headers, pages::STYLESHEET).into_response()
}

/// The 404 page of the desk.
pub async fn not_found(State(desk): State<Desk>, visitor: VisitorParts) -> Response {
    let ctx = Ctx { desk, lang: Lang::En, visitor, path: "/".to_owned() };
    ctx.problem(StatusCode::NOT_FOUND, note("not-found", None), None)
}

async fn home(
    State(desk): State<Desk>,
    Path(lang): Path<String>,
    visitor: VisitorParts,
) -> Response {
    match ctx(desk, &lang, visitor, "/".to_owned()).await {
        Ok(ctx) => Page(StatusCode::OK, pages::home(&ctx.frame())).into_response(),
        Err(page) => page,
    }
}

#[derive(Deserialize)]
struct NameQuery {
    #[serde(default)]
    d: String,
}

async fn landing(
    State(desk): State<Desk>,
    Path(lang): Path<String>,
    query: Result<Query<NameQuery>, QueryRejection>,
    visitor: VisitorParts,
) -> Response {
    let domain = query.map(|Query(query)| query.d).unwrap_or_default();
    let path = format!("/name?d={}", domain.trim());
    let ctx = match ctx(desk, &lang, visitor, path).await {
        Ok(ctx) => ctx,
        Err(page) => return page,
    };
    match ctx.desk.registry.desk_name(&domain, ctx.desk.options).await {
        Ok(Some(name)) if name.served => {
            Page(StatusCode::OK, pages::landing(&ctx.frame(), &name)).into_response()
        }
        Ok(Some(name)) => {
            let detail = format!("{} · {}", name.domain, name.sponsor_name);
            ctx.problem(StatusCode::FORBIDDEN, note("not-eligible", Some(detail)), None)
        }
        Ok(None) => ctx.problem(StatusCode::NOT_FOUND, note("no-domain", None), None),
        Err(error) => ctx.refused(error, None).await,
    }
}

#[derive(Deserialize)]
struct OpenForm {
    #[serde(default)]
    csrf: String,
    domain: String,
    kind: CaseKind,
    #[serde(default)]
    detail: Option<String>,
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    csrf: String,
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

fn bad_form(ctx: &Ctx, rejection: &FormRejection) -> Response {
    tracing::debug!("desk: a form did not parse: {rejection}");
    // 413 for a body over the limit, 415 for one that is not a form, 400 otherwise.
    ctx.problem(rejection.status(), note("bad-request", None), None)
}

fn see(ctx: &Ctx, path: &str) -> Response {
    Redirect::to(&format!("/{}{path}", ctx.lang.code())).into_response()
}

async fn open_case(
    State(desk): State<Desk>,
    Path(lang): Path<String>,
    visitor: VisitorParts,
    form: Result<Form<OpenForm>, FormRejection>,
) -> Response {
    let ctx = match ctx(desk, &lang, visitor, "/".to_owned()).await {
        Ok(ctx) => ctx,
        Err(page) => return page,
    };
    let Form(form) = match form {
        Ok(form) => form,
        Err(rejection) => return bad_form(&ctx, &rejection),
    };
    if let Err(page) = ctx.check_csrf(&form.csrf, None).await {
        return page;
    }
    let detail = form.detail.filter(|text| !text.trim().is_empty());
    let new = NewCase { domain: form.domain, kind: form.kind, detail };
    let now = (ctx.desk.clock)();
    match ctx.desk.registry.desk_open_case(&new, ctx.desk.options, ctx.visitor(), now).await {
        Ok(case) => {
            tracing::info!(case = %case.id, "desk: case opened");
            see(&ctx, &format!("/cases/{}", case.id))
        }
        Err(error) => ctx.step_refused("open", error, None).await,
    }
}

fn log_refusal(step: &str, case: Option<&str>, error: &DeskError) {
    match error {
        DeskError::Refused(refusal) => {
            tracing::info!(
                case = case.unwrap_or("-"),
                step,
                refusal = refusal.kind(),
                "desk: refused"
            );
        }
        DeskError::Mail(error) => {
            tracing::warn!(case = case.unwrap_or("-"), step, "desk: mail failed: {error}")
        }
        DeskError::Service(error) => {
            tracing::error!(case = case.unwrap_or("-"), step, "desk: {error}")
        }
    }
}

async fn show_case(
    State(desk): State<Desk>,
    Path((lang, id)): Path<(String, String)>,
    visitor: VisitorParts,
) -> Response {
    let ctx = match ctx(desk, &lang, visitor, format!("/cases/{id}")).await {
        Ok(ctx) => ctx,
        Err(page) => return page,
    };
    match ctx.case_page(&id, None, StatusCode::OK).await {
        Ok(page) => page,
        Err(error) => ctx.refused(error, None).await,
    }
}

/// The common start of a post on a case: the context, the parsed form, the form token.
async fn case_post<T: HasCsrf>(
    desk: Desk,
    lang: &str,
    id: &str,
    visitor: VisitorParts,
    form: Result<Form<T>, FormRejection>,
) -> Result<(Ctx, T), Response> {
    let ctx = ctx(desk, lang, visitor, format!("/cases/{id}")).await?;
    let Form(form) = form.map_err(|rejection| bad_form(&ctx, &rejection))?;
    ctx.check_csrf(form.csrf(), Some(id)).await?;
    Ok((ctx, form))
}

trait HasCsrf {
    fn csrf(&self) -> &str;
}

impl HasCsrf for TokenForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl HasCsrf for CodeForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn send_code(
    State(desk): State<Desk>,
    Path((lang, id)): Path<(String, String)>,
    visitor: VisitorParts,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Response {
    let (ctx, _) = match case_post(desk, &lang, &id, visitor, form).await {
        Ok(parts) => parts,
        Err(page) => return page,
    };
    match ctx.desk.send_code(&id, &ctx.visitor).await {
        Ok(_) => {
            tracing::info!(case = %id, "desk: e-mail code sent");
            see(&ctx, &format!("/cases/{id}"))
        }
        Err(error) => ctx.step_refused("send_code", error, Some(&id)).await,
    }
}

async fn confirm_code(
    State(desk): State<Desk>,
    Path((lang, id)): Path<(String, String)>,
    visitor: VisitorParts,
    form: Result<Form<CodeForm>, FormRejection>,
) -> Response {
    let (ctx, form) = match case_post(desk, &lang, &id, visitor, form).await {
        Ok(parts) => parts,
        Err(page) => return page,
    };
    let now = (ctx.desk.clock)();
    match ctx.desk.registry.desk_confirm_email_code(&id, &form.code, ctx.visitor(), now).await {
        Ok(_) => {
            tracing::info!(case = %id, "desk: verified by e-mail code");
            see(&ctx, &format!("/cases/{id}"))
        }
        Err(error) => ctx.step_refused("confirm_code", error, Some(&id)).await,
    }
}

async fn check_dns(
    State(desk): State<Desk>,
    Path((lang, id)): Path<(String, String)>,
    visitor: VisitorParts,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Response {
    let (ctx, _) = match case_post(desk, &lang, &id, visitor, form).await {
        Ok(parts) => parts,
        Err(page) => return page,
    };
    match ctx.desk.check_dns(&id, &ctx.visitor).await {
        Ok(Ok(_)) => {
            tracing::info!(case = %id, "desk: verified by DNS challenge");
            see(&ctx, &format!("/cases/{id}"))
        }
        Ok(Err(kind)) => {
            let back = format!("/cases/{id}");
            ctx.problem(StatusCode::BAD_GATEWAY, note(kind, None), Some(&back))
        }
        Err(error) => ctx.step_refused("dns_check", error, Some(&id)).await,
    }
}

async fn transfer_code(
    State(desk): State<Desk>,
    Path((lang, id)): Path<(String, String)>,
    visitor: VisitorParts,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Response {
    let (ctx, _) = match case_post(desk, &lang, &id, visitor, form).await {
        Ok(parts) => parts,
        Err(page) => return page,
    };
    let now = (ctx.desk.clock)();
    let issued =
        ctx.desk.registry.desk_issue_transfer_code(&id, ctx.desk.options, ctx.visitor(), now).await;
    match issued {
        Ok(issued) => {
            tracing::info!(case = %id, "desk: transfer code issued");
            let registrars = ctx.desk.registry.desk_gaining_registrars().await.unwrap_or_default();
            let page = pages::transfer_code(&ctx.frame(), &id, &issued, &registrars);
            Page(StatusCode::OK, page).into_response()
        }
        Err(error) => ctx.step_refused("transfer_code", error, Some(&id)).await,
    }
}

async fn continuity_dns(
    State(desk): State<Desk>,
    Path((lang, id)): Path<(String, String)>,
    visitor: VisitorParts,
    form: Result<Form<TokenForm>, FormRejection>,
) -> Response {
    let (ctx, _) = match case_post(desk, &lang, &id, visitor, form).await {
        Ok(parts) => parts,
        Err(page) => return page,
    };
    let now = (ctx.desk.clock)();
    match ctx.desk.registry.desk_switch_delegation(&id, ctx.visitor(), now).await {
        Ok(switched) => {
            tracing::info!(case = %id, "desk: delegation switched to continuity DNS");
            let page =
                pages::switched(&ctx.frame(), &id, &switched.record.domain, &switched.nameservers);
            Page(StatusCode::OK, page).into_response()
        }
        Err(error) => ctx.step_refused("continuity_dns", error, Some(&id)).await,
    }
}
