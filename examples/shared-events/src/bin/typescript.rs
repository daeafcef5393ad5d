//! Prints the TypeScript of `ChatEvent` (for `e2e/typed/chat-event.ts`).

fn main() {
    match typed_sse_core::typed::typescript::<typed_sse_example_events::ChatEvent>() {
        Ok(ts) => print!("{ts}"),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
