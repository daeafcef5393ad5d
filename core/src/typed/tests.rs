use serde::{Deserialize, Serialize};

use super::*;

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Message {
    user: String,
    text: String,
}

/// The documented shape.
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
enum Chat {
    Message(Message),
    Joined(String),
    Moved {
        x: i32,
        y: i32,
    },
    Pair(u8, u8),
    #[serde(rename = "ping.v2")]
    Ping,
}

/// serde's default shape, as LLM APIs' events are read.
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
#[serde(rename_all = "snake_case")]
enum Llm {
    ContentBlockDelta { index: u32 },
    Note(String),
    Ping,
}

fn chat() -> Vec<Chat> {
    vec![
        Chat::Message(Message {
            user: "ada".into(),
            text: "line\nbreak \"quoted\" ünï".into(),
        }),
        Chat::Joined("grace".into()),
        Chat::Moved { x: -1, y: 2 },
        Chat::Pair(1, 2),
        Chat::Ping,
    ]
}

#[test]
fn the_event_types_are_the_variant_names_after_renames() {
    assert_eq!(
        Chat::event_types(),
        Ok(&["message", "joined", "moved", "pair", "ping.v2"][..])
    );
    assert_eq!(
        Llm::event_types(),
        Ok(&["content_block_delta", "note", "ping"][..])
    );
}

#[test]
fn every_variant_goes_through_the_wire_and_back() {
    for value in chat() {
        let sse = value.to_sse().unwrap();
        assert!(!sse.data.contains(['\n', '\r']), "one line: {}", sse.data);
        assert_eq!(
            Chat::from_sse(sse.event_type, &sse.data).unwrap(),
            Some(value.clone())
        );
    }
    for value in [
        Llm::ContentBlockDelta { index: 3 },
        Llm::Note("n".into()),
        Llm::Ping,
    ] {
        let sse = value.to_sse().unwrap();
        assert_eq!(
            Llm::from_sse(sse.event_type, &sse.data).unwrap(),
            Some(value)
        );
    }
}

#[test]
fn the_wire_is_the_variant_name_and_the_payload_json() {
    let encoded: Vec<_> = chat()
        .iter()
        .map(|value| {
            let sse = value.to_sse().unwrap();
            (sse.event_type, sse.data)
        })
        .collect();
    assert_eq!(
        encoded,
        [
            (
                "message",
                r#"{"user":"ada","text":"line\nbreak \"quoted\" ünï"}"#.to_owned()
            ),
            ("joined", r#""grace""#.to_owned()),
            ("moved", r#"{"x":-1,"y":2}"#.to_owned()),
            ("pair", "[1,2]".to_owned()),
            // Not empty: a browser never dispatches an event with empty data.
            ("ping.v2", "null".to_owned()),
        ]
    );
    assert_eq!(Llm::Ping.to_sse().unwrap().data, "null");
    assert_eq!(
        Llm::ContentBlockDelta { index: 1 }.to_sse().unwrap().data,
        r#"{"index":1}"#
    );
}

#[test]
fn the_payload_keeps_the_key_order_of_its_struct() {
    #[derive(Serialize, Deserialize)]
    #[serde(tag = "type", content = "data")]
    enum E {
        V { zebra: u8, apple: u8 },
    }
    assert_eq!(
        E::V { zebra: 1, apple: 2 }.to_sse().unwrap().data,
        r#"{"zebra":1,"apple":2}"#
    );
}

#[test]
fn unknown_event_types_are_none_not_errors() {
    assert_eq!(Chat::from_sse("typing", r#"{"user":"x"}"#).unwrap(), None);
    assert_eq!(Chat::from_sse("", "null").unwrap(), None);
    assert_eq!(
        Chat::from_sse("Message", "{}").unwrap(),
        None,
        "names are exact"
    );
    assert_eq!(Llm::from_sse("message_stop", "").unwrap(), None);
}

#[test]
fn data_that_does_not_fit_is_an_error() {
    let err = Chat::from_sse("message", r#"{"user":"ada"}"#).unwrap_err();
    assert!(err.to_string().contains("text"), "{err}");
    assert!(Chat::from_sse("joined", "3").is_err());
    assert!(Chat::from_sse("joined", "{").is_err());
    let trailing = Chat::from_sse("pair", "[1,2] 3").unwrap_err();
    assert!(trailing.to_string().contains("trailing"), "{trailing}");
    assert!(
        Chat::from_sse("joined", "").is_err(),
        "a payload is missing"
    );
    // A payload cannot smuggle another tag in: it is parsed as the payload alone.
    assert!(Chat::from_sse("joined", r#""a","type":"ping.v2""#).is_err());
    assert!(Llm::from_sse("content_block_delta", r#"{"index":"x"}"#).is_err());
}

#[test]
fn a_unit_variant_takes_empty_null_or_any_data_in_the_default_shape() {
    assert_eq!(Chat::from_sse("ping.v2", "").unwrap(), Some(Chat::Ping));
    assert_eq!(Chat::from_sse("ping.v2", "null").unwrap(), Some(Chat::Ping));
    // Anthropic's `ping` carries `{"type": "ping"}`.
    assert_eq!(
        Llm::from_sse("ping", r#"{"type": "ping"}"#).unwrap(),
        Some(Llm::Ping)
    );
    assert_eq!(Llm::from_sse("ping", "").unwrap(), Some(Llm::Ping));
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "type")]
enum Internally {
    A,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "t", content = "c")]
enum OtherNames {
    A(u8),
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Untagged {
    A(u8),
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
enum WithOther {
    A(u8),
    #[serde(other)]
    Unknown,
}

#[derive(Serialize, Deserialize)]
enum Empty {}

fn refused<E: TypedEvent>() -> String {
    let err = E::event_types().unwrap_err();
    assert_eq!(err.type_name, std::any::type_name::<E>());
    err.to_string()
}

#[test]
fn other_shapes_are_refused_by_name() {
    assert!(refused::<Internally>().contains("Internally"));
    assert!(refused::<OtherNames>().contains(r#"tag = "type", content = "data""#));
    refused::<Untagged>();
    refused::<WithOther>();
    refused::<Empty>();
    refused::<Message>();
    refused::<String>();
    assert!(matches!(
        OtherNames::A(1).to_sse(),
        Err(EncodeError::Shape { type_name }) if type_name.ends_with("OtherNames")
    ));
    assert!(matches!(
        Message {
            user: String::new(),
            text: String::new()
        }
        .to_sse(),
        Err(EncodeError::Shape { .. })
    ));
    assert_eq!(OtherNames::from_sse("A", "1").unwrap().map(|_| ()), None);
}

#[test]
fn a_value_whose_json_is_not_a_variant_is_refused() {
    #[derive(Serialize, Deserialize)]
    #[serde(tag = "type", content = "data")]
    enum Partly {
        A(u8),
        #[serde(untagged)]
        B(String),
    }
    // serde reads such an enum through a buffer, which names no variants: refused whole.
    assert!(Partly::event_types().is_err());
    assert!(matches!(
        Partly::A(1).to_sse(),
        Err(EncodeError::Shape { .. })
    ));
    assert!(matches!(
        Partly::B("x".into()).to_sse(),
        Err(EncodeError::Shape { .. })
    ));
}

#[test]
fn a_payload_serde_json_refuses_is_a_json_error() {
    use std::collections::HashMap;
    #[derive(Serialize, Deserialize)]
    #[serde(tag = "type", content = "data")]
    enum Keys {
        Map(HashMap<(u8, u8), u8>),
    }
    let value = Keys::Map(HashMap::from([((1, 2), 3)]));
    assert!(matches!(value.to_sse(), Err(EncodeError::Json(_))));
}

#[test]
fn a_name_that_json_escapes_is_read_back_unescaped() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    #[serde(tag = "type", content = "data")]
    enum Odd {
        #[serde(rename = "say \"hi\"/é")]
        Say(String),
    }
    let sse = Odd::Say("x".into()).to_sse().unwrap();
    assert_eq!(
        (sse.event_type, sse.data.as_str()),
        ("say \"hi\"/é", r#""x""#)
    );
}

#[test]
fn json_of_another_layout_is_refused() {
    // What a hand-written `Serialize` could write: content first, an extra field, a number
    // as the tag, an array, text after the value.
    for json in [
        r#"{"data":1,"type":"a"}"#,
        r#"{"type":"a","data":1,"x":2}"#,
        r#"{"type":"a","data":1"#,
        r#"{"type":1}"#,
        r#"["a",1]"#,
    ] {
        assert!(
            encode::split(shape::Shape::Adjacent(&["a"]), json).is_none(),
            "{json}"
        );
    }
    for json in [r#""a" "#, r#"{"a":1,"b":2}"#, r#"{"a"}"#] {
        assert!(
            encode::split(shape::Shape::External(&["a"]), json).is_none(),
            "{json}"
        );
    }
    assert_eq!(
        encode::split(shape::Shape::External(&["a"]), r#"{"a":{"b":2}}"#),
        Some(("a".to_owned(), r#"{"b":2}"#))
    );
}
