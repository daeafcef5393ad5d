//! Copying an event's text out of JS into Rust, once per event, into a reused buffer.
//!
//! The copy is one call into `text.js` (`encodeData`) instead of wasm-bindgen's `event.data()`
//! followed by `String::from(JsString)`, whose per-character JS loop dominated the Rust API's
//! cost on large events. The buffer is reused across events, so the copy does not allocate in
//! the steady state. `encodeInto` always writes valid UTF-8: lone surrogates become U+FFFD, as
//! with wasm-bindgen's own conversion.

use std::cell::{Cell, RefCell};

use wasm_bindgen::prelude::*;
use web_sys::MessageEvent;

#[wasm_bindgen(module = "/src/web/text.js")]
extern "C" {
    #[wasm_bindgen(js_name = setMemory)]
    fn set_memory(memory: &JsValue);
    #[wasm_bindgen(js_name = encodeData)]
    fn encode_data(event: &MessageEvent, ptr: u32, cap: u32) -> f64;
}

/// Buffers larger than this are not kept between events: one huge event must not pin its
/// memory for the life of the page.
const KEEP_AT_MOST: usize = 64 * 1024;

thread_local! {
    static MEMORY_GIVEN: Cell<bool> = const { Cell::new(false) };
    static SPARE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// The data of `event` as a `String` (in a reused buffer: hand it back with [`recycle`]);
/// `None` when the data is not a JS string.
pub(crate) fn event_text(event: &MessageEvent) -> Option<String> {
    if !MEMORY_GIVEN
        .try_with(|given| given.replace(true))
        .unwrap_or(false)
    {
        set_memory(&wasm_bindgen::memory());
    }
    // Taken, not borrowed: a nested dispatch (if one ever happens) gets a fresh buffer.
    let mut buf = take_spare();
    loop {
        let result = encode_data(
            event,
            buf.as_mut_ptr() as usize as u32,
            buf.capacity() as u32,
        );
        match Copied::from(result) {
            Copied::NotText => return None,
            // An allocation that cannot be made (a text past what wasm32 memory holds) ends the
            // copy rather than the program.
            Copied::Needs(bytes) => buf.try_reserve_exact(bytes).ok()?,
            Copied::Written(written) => {
                // SAFETY: `encodeData` initialised exactly `written` bytes, within the capacity
                // it was given, and they are UTF-8 (see the module's docs).
                unsafe {
                    buf.set_len(written.min(buf.capacity()));
                    return Some(String::from_utf8_unchecked(buf));
                }
            }
        }
    }
}

/// The spare buffer, taken (empty if there is none). `try_with`, never `with`: the buffer is
/// only a cache, and `with`'s panic path is code the package would carry for nothing.
fn take_spare() -> Vec<u8> {
    SPARE
        .try_with(|spare| std::mem::take(&mut *spare.borrow_mut()))
        .unwrap_or_default()
}

/// What `encodeData` answered.
#[derive(Debug, PartialEq)]
enum Copied {
    Written(usize),
    NotText,
    /// The buffer needs room for this many bytes.
    Needs(usize),
}

impl From<f64> for Copied {
    fn from(result: f64) -> Self {
        // `as` saturates: no length can wrap into a small one, however large.
        if result >= 0.0 {
            Copied::Written(result as usize)
        } else if result == -1.0 {
            Copied::NotText
        } else {
            Copied::Needs((-2.0 - result) as usize)
        }
    }
}

/// `text` copied into the reused buffer (hand it back with [`recycle`]): no allocation in the
/// steady state.
pub(crate) fn reused_copy(text: &str) -> String {
    let mut buf = take_spare();
    buf.clear();
    // An empty buffer is valid UTF-8; its capacity is what is reused.
    let mut copy = String::from_utf8(buf).unwrap_or_default();
    copy.push_str(text);
    copy
}

/// Gives a text from [`event_text`] or [`reused_copy`] back, to hold the next event's.
pub(crate) fn recycle(text: String) {
    let mut buf = text.into_bytes();
    if buf.capacity() <= KEEP_AT_MOST {
        buf.clear();
        let _ = SPARE.try_with(|spare| *spare.borrow_mut() = buf);
    }
}

#[cfg(test)]
mod arithmetic {
    use super::Copied;

    #[test]
    fn lengths_past_i32_do_not_wrap() {
        assert_eq!(Copied::from(5.0), Copied::Written(5));
        assert_eq!(Copied::from(-1.0), Copied::NotText);
        assert_eq!(Copied::from(-2.0 - 30.0), Copied::Needs(30));
        // 800 million UTF-16 units: 2.4 billion bytes, past i32::MAX.
        let needed = 800_000_000.0 * 3.0;
        assert_eq!(Copied::from(-2.0 - needed), Copied::Needs(2_400_000_000));
        assert_eq!(Copied::from(-1e300), Copied::Needs(usize::MAX));
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::{event_text, recycle};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_test::*;
    use web_sys::{MessageEvent, MessageEventInit};

    wasm_bindgen_test_configure!(run_in_browser);

    fn event(data: &JsValue) -> MessageEvent {
        let init = MessageEventInit::new();
        init.set_data(data);
        MessageEvent::new_with_event_init_dict("message", &init).unwrap()
    }

    /// Copies `s` twice: into a fresh buffer, then into the recycled one.
    fn roundtrip(s: &str) {
        for _ in 0..2 {
            let text = event_text(&event(&JsValue::from_str(s))).unwrap();
            assert_eq!(text, s);
            recycle(text);
        }
    }

    #[wasm_bindgen_test]
    fn copies_ascii_short_and_long() {
        roundtrip("");
        roundtrip("{\"price\":12.5}");
        roundtrip(&"{\"price\":12.5}".repeat(200));
    }

    #[wasm_bindgen_test]
    fn copies_multibyte_text_short_and_long() {
        // Two-, three- and four-byte characters (the last a surrogate pair in JS): alone, after
        // ASCII that the short path copied first, and long enough for the encoder path.
        roundtrip("é");
        roundtrip("price: 12 €, 日本語 😀");
        roundtrip(&format!("{}héllo wörld 日本語 😀🎉", "x".repeat(1000)).repeat(3));
        // A longer text after a shorter one: the recycled buffer is too small and grows.
        roundtrip("ü");
        roundtrip(&"ü".repeat(5000));
    }

    #[wasm_bindgen_test]
    fn replaces_a_lone_surrogate_and_rejects_non_strings() {
        let lone = js_sys::JsString::from_char_code1(0xD800);
        assert_eq!(
            event_text(&event(&lone.into())).as_deref(),
            Some("\u{FFFD}")
        );
        assert_eq!(event_text(&event(&JsValue::from_f64(1.0))), None);
        assert_eq!(event_text(&event(&JsValue::NULL)), None);
    }

    #[wasm_bindgen_test]
    fn follows_the_memory_when_it_grows() {
        roundtrip("before");
        let buffer = || {
            wasm_bindgen::memory()
                .unchecked_into::<js_sys::WebAssembly::Memory>()
                .buffer()
        };
        let before = buffer();
        let big = vec![1u8; 64 << 20];
        assert!(
            !js_sys::Object::is(&before, &buffer()),
            "the memory did not grow"
        );
        roundtrip("after growth");
        roundtrip(&"after growth ".repeat(100));
        drop(big);
    }
}
