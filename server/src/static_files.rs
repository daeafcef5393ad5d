//! Static files from a folder: the demo page, the npm package, the example apps' builds.
//!
//! `ServeDir` refuses `..` but follows symbolic links wherever they lead, so a link inside a
//! served folder (say `www/notes -> ~`) would publish whatever it points at. Here a request
//! whose file, every link resolved, lies outside the folder is answered `403` before `ServeDir`
//! sees it. (A link swapped between the check and the read would slip through: the folders are
//! the developer's own, so that race is not defended.)
//!
//! A path no file can have (a segment over [`MAX_NAME_BYTES`], or the whole over
//! [`MAX_PATH_BYTES`], once decoded) is answered `404` before the file system is asked: it
//! refuses such names with an error that `ServeDir` turned into `500`.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::services::ServeDir;

/// Longest file name, in bytes, that the file system takes (`NAME_MAX` on Linux).
pub const MAX_NAME_BYTES: usize = 255;

/// Longest path, in bytes, that the file system takes (`PATH_MAX` on Linux, less its NUL).
pub const MAX_PATH_BYTES: usize = 4_095;

/// Serves the files under `root`, refusing those reached through a link that leads out of it.
pub fn serve_dir(root: PathBuf) -> Router {
    Router::new()
        .fallback_service(ServeDir::new(&root))
        .layer(middleware::from_fn_with_state(
            Arc::new(root),
            refuse_escaping_links,
        ))
}

async fn refuse_escaping_links(
    State(root): State<Arc<PathBuf>>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(path) = requested_file(&root, request.uri().path()) {
        if !could_exist(&path) {
            return (
                StatusCode::NOT_FOUND,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "no file has so long a name\n",
            )
                .into_response();
        }
        if leads_outside(&root, &path).await {
            return (
                StatusCode::FORBIDDEN,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "this path leads out of the served folder through a symbolic link\n",
            )
                .into_response();
        }
    }
    next.run(request).await
}

/// The file `uri_path` names under `root`, decoded as `ServeDir` decodes it; `None` for paths
/// `ServeDir` itself refuses (`..`, absolute parts, bad encoding).
fn requested_file(root: &Path, uri_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(uri_path.trim_start_matches('/'))?;
    let mut path = root.to_path_buf();
    for component in Path::new(&decoded).components() {
        match component {
            Component::Normal(part) => path.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(path)
}

/// Whether the file system would take `path` as a name at all (see the module docs).
fn could_exist(path: &Path) -> bool {
    path.as_os_str().len() <= MAX_PATH_BYTES
        && path
            .components()
            .all(|c| c.as_os_str().len() <= MAX_NAME_BYTES)
}

/// `%XX` escapes decoded; `None` unless the result is UTF-8. A `%` not followed by two hex
/// digits stays as it is, as `ServeDir`'s decoder leaves it.
fn percent_decode(text: &str) -> Option<String> {
    let hex = |b: u8| char::from(b).to_digit(16);
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| Some(hex(*bytes.get(i + 1)?)? * 16 + hex(*bytes.get(i + 2)?)?))
            .flatten();
        match escaped {
            Some(byte) => {
                // Two hex digits make at most 255.
                out.push(byte as u8);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Whether `path` (or, for a folder, the `index.html` that `ServeDir` would answer with)
/// resolves to somewhere outside `root`. What does not exist is left to `ServeDir`'s 404.
async fn leads_outside(root: &Path, path: &Path) -> bool {
    let (Ok(root), Ok(target)) = (
        tokio::fs::canonicalize(root).await,
        tokio::fs::canonicalize(path).await,
    ) else {
        return false;
    };
    if !target.starts_with(&root) {
        return true;
    }
    if tokio::fs::metadata(&target).await.is_ok_and(|m| m.is_dir()) {
        if let Ok(index) = tokio::fs::canonicalize(target.join("index.html")).await {
            return !index.starts_with(&root);
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requested_paths_are_decoded_and_kept_under_the_root() {
        let root = Path::new("/srv");
        assert_eq!(
            requested_file(root, "/a%20b/./c.js"),
            Some(PathBuf::from("/srv/a b/c.js"))
        );
        assert_eq!(requested_file(root, "/"), Some(PathBuf::from("/srv")));
        assert_eq!(requested_file(root, "/a/../../etc"), None);
        assert_eq!(requested_file(root, "/%2e%2e/etc"), None);
        assert_eq!(requested_file(root, "/%ff"), None, "not UTF-8");
        assert_eq!(
            requested_file(root, "/100%/%C3%A9%2"),
            Some(PathBuf::from("/srv/100%/é%2"))
        );
    }
}
