//! Prints the example app rendered on the server (Leptos `ssr`), a whole HTML page that the
//! `hydrate` build of the app hydrates in the browser. `scripts/test.sh` writes it to
//! `examples/leptos-app/hydrate/index.html`, beside that build's `pkg/`:
//!
//! ```sh
//! cargo run -p typed-sse-leptos-example --features ssr --bin ssr_page > examples/leptos-app/hydrate/index.html
//! ```

fn main() {
    print!("{}", typed_sse_leptos_example::ssr_page());
}
