//! A small, strict JSON reader for model files: the safetensors header and the
//! config in its metadata. serde_json stays in the full build (JS configs,
//! writing files); reading model files with this instead keeps the
//! inference-only build small. It follows RFC 8259: no trailing commas, no
//! leading zeros, no lone surrogates, nesting at most 128 deep; an object may
//! not name a key twice.

use std::fmt;

/// Deepest nesting accepted, as serde_json's default.
const MAX_DEPTH: usize = 128;
/// Most members of one object: repeated keys are looked for by comparing each
/// key with those before it, which must stay quick on any input.
const MAX_MEMBERS: usize = 4096;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Value>),
    Object(Object),
}

/// A number as written: a whole number without fraction or exponent keeps its
/// exact value; anything else is an f64.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Unsigned(u64),
    Negative(i64),
    Float(f64),
}

/// An object's members in the order written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Object(Vec<(String, Value)>);

impl Object {
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(k, _)| k)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// A member of an object; None for a missing key or a value of another kind.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?.get(key)
    }

    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(object) => Some(object),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// A whole number written without fraction or exponent, and not negative.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(Number::Unsigned(n)) => Some(*n),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::Number(Number::Unsigned(n)) => Some(n as f64),
            Value::Number(Number::Negative(n)) => Some(n as f64),
            Value::Number(Number::Float(x)) => Some(x),
            _ => None,
        }
    }
}

/// Why a text is not JSON, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub reason: &'static str,
    /// Byte offset into the text.
    pub at: usize,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.reason, self.at)
    }
}

/// Reads one JSON value that fills all of `text` (whitespace aside).
pub fn parse(text: &str) -> Result<Value, SyntaxError> {
    let mut reader = Reader {
        bytes: text.as_bytes(),
        at: 0,
    };
    let value = reader.value(0)?;
    reader.skip_space();
    if reader.at != reader.bytes.len() {
        return Err(reader.error("unexpected text after the value"));
    }
    Ok(value)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    /// A syntax error here; out of line, as error.rs explains.
    #[cold]
    #[inline(never)]
    fn error(&self, reason: &'static str) -> SyntaxError {
        SyntaxError {
            reason,
            at: self.at,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn expect(&mut self, word: &[u8], value: Value) -> Result<Value, SyntaxError> {
        if self.bytes[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.error("expected a value"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        if depth >= MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        self.skip_space();
        match self.peek() {
            None => Err(self.error("unexpected end of text")),
            Some(b'n') => self.expect(b"null", Value::Null),
            Some(b't') => self.expect(b"true", Value::Bool(true)),
            Some(b'f') => self.expect(b"false", Value::Bool(false)),
            Some(b'"') => Ok(Value::String(self.string()?)),
            Some(b'[') => self.array(depth),
            Some(b'{') => self.object(depth),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("expected a value")),
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        self.at += 1;
        let mut items = Vec::new();
        self.skip_space();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.skip_space();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.error("expected ',' or ']'")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        self.at += 1;
        let mut members: Vec<(String, Value)> = Vec::new();
        self.skip_space();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(Value::Object(Object(members)));
        }
        loop {
            self.skip_space();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a key in quotes"));
            }
            let key_at = self.at;
            if members.len() == MAX_MEMBERS {
                return Err(SyntaxError {
                    reason: "an object has more than 4096 members",
                    at: key_at,
                });
            }
            let key = self.string()?;
            if members.iter().any(|(k, _)| *k == key) {
                return Err(SyntaxError {
                    reason: "a key is repeated",
                    at: key_at,
                });
            }
            self.skip_space();
            if self.peek() != Some(b':') {
                return Err(self.error("expected ':'"));
            }
            self.at += 1;
            let value = self.value(depth + 1)?;
            members.push((key, value));
            self.skip_space();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Value::Object(Object(members)));
                }
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        self.at += 1;
        let mut text = String::new();
        loop {
            let start = self.at;
            while let Some(byte) = self.peek() {
                if byte == b'"' || byte == b'\\' || byte < 0x20 {
                    break;
                }
                self.at += 1;
            }
            // The input is a &str and the run stops only at ASCII bytes, so
            // the run is whole UTF-8.
            text.push_str(std::str::from_utf8(&self.bytes[start..self.at]).expect("utf-8"));
            match self.peek() {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(text);
                }
                Some(b'\\') => {
                    self.at += 1;
                    self.escape(&mut text)?;
                }
                Some(_) => return Err(self.error("a control character in a string")),
                None => return Err(self.error("a string does not end")),
            }
        }
    }

    fn escape(&mut self, text: &mut String) -> Result<(), SyntaxError> {
        let Some(byte) = self.peek() else {
            return Err(self.error("a string does not end"));
        };
        self.at += 1;
        let plain = match byte {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => return self.unicode(text),
            _ => return Err(self.error("an unknown escape in a string")),
        };
        text.push(plain);
        Ok(())
    }

    /// `\u` and four hex digits, or a surrogate pair of two such escapes.
    fn unicode(&mut self, text: &mut String) -> Result<(), SyntaxError> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if !self.bytes[self.at..].starts_with(b"\\u") {
                    return Err(self.error("a lone surrogate in a string"));
                }
                self.at += 2;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(self.error("a lone surrogate in a string"));
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(self.error("a lone surrogate in a string")),
            _ => first,
        };
        text.push(char::from_u32(code).expect("not a surrogate"));
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let digits = self.bytes.get(self.at..self.at + 4);
        let value = digits
            .filter(|d| d.iter().all(u8::is_ascii_hexdigit))
            .and_then(|d| u32::from_str_radix(std::str::from_utf8(d).ok()?, 16).ok())
            .ok_or_else(|| self.error("a \\u escape needs four hex digits"))?;
        self.at += 4;
        Ok(value)
    }

    fn number(&mut self) -> Result<Value, SyntaxError> {
        let start = self.at;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.at += 1;
        }
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.error("a number needs digits")),
        }
        let mut whole = true;
        if self.peek() == Some(b'.') {
            whole = false;
            self.at += 1;
            self.required_digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            whole = false;
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            self.required_digits()?;
        }
        let literal = std::str::from_utf8(&self.bytes[start..self.at]).expect("ascii");
        let exact = match (whole, negative) {
            (true, false) => literal.parse().ok().map(Number::Unsigned),
            (true, true) => literal.parse().ok().map(Number::Negative),
            _ => None,
        };
        let number = match exact {
            Some(number) => number,
            None => Number::Float(literal.parse().map_err(|_| self.error("a bad number"))?),
        };
        if let Number::Float(x) = number {
            if !x.is_finite() {
                return Err(SyntaxError {
                    reason: "a number out of range",
                    at: start,
                });
            }
        }
        Ok(Value::Number(number))
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
    }

    fn required_digits(&mut self) -> Result<(), SyntaxError> {
        if !matches!(self.peek(), Some(b'0'..=b'9')) {
            return Err(self.error("a number needs digits"));
        }
        self.digits();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_serde_json_reads_the_same_way() {
        let text = r#" {"a": [1, -2, 3.5, 1e3, -0.25E-2, 18446744073709551615],
            "b": {"c": null, "d": true, "e": false},
            "s": "q\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00 ünï", "z": []} "#;
        let ours = parse(text).unwrap();
        let theirs: serde_json::Value = serde_json::from_str(text).unwrap();
        let numbers: Vec<Option<f64>> = ours
            .as_object()
            .unwrap()
            .get("a")
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(Value::as_f64)
            .collect();
        let expected: Vec<Option<f64>> = theirs["a"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64())
            .collect();
        assert_eq!(numbers, expected);
        let a = ours
            .as_object()
            .unwrap()
            .get("a")
            .unwrap()
            .as_array()
            .unwrap();
        assert_eq!(a[0].as_u64(), Some(1));
        assert_eq!(a[1].as_u64(), None);
        assert_eq!(a[3].as_u64(), None, "1e3 is written as a float");
        assert_eq!(a[5].as_u64(), Some(u64::MAX));
        let object = ours.as_object().unwrap();
        assert_eq!(object.get("s").unwrap().as_str(), theirs["s"].as_str());
        assert!(object
            .get("b")
            .unwrap()
            .as_object()
            .unwrap()
            .get("c")
            .unwrap()
            .is_null());
        assert_eq!(object.keys().collect::<Vec<_>>(), ["a", "b", "s", "z"]);
    }

    #[test]
    fn refuses_what_is_not_json() {
        let bad = [
            "",
            " ",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "1.",
            ".5",
            "+1",
            "-",
            "1e",
            "NaN",
            "Infinity",
            "[1 2]",
            "{\"a\" 1}",
            "{a:1}",
            "\"abc",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\ud800\"",
            "\"\\udc00x\"",
            "\"a\u{1}b\"",
            "tru",
            "nul",
            "[1] 2",
            "1e999",
            "{\"a\":1,\"a\":2}",
        ];
        for text in bad {
            assert!(parse(text).is_err(), "{text:?} was accepted");
        }
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert_eq!(parse(&deep).unwrap_err().reason, "nested too deeply");
        let deepest = "[".repeat(128) + &"]".repeat(128);
        assert!(parse(&deepest).is_ok());
        let deeper = "[".repeat(129) + &"]".repeat(129);
        assert!(parse(&deeper).is_err());
    }

    #[test]
    fn errors_say_where() {
        let error = parse("{\"a\": [1, 2,, 3]}").unwrap_err();
        assert_eq!(error.to_string(), "expected a value at byte 12");
    }

    #[test]
    fn an_object_of_too_many_members_is_refused_quickly() {
        let object = |n: usize| {
            let members: Vec<String> = (0..n).map(|i| format!("\"k{i}\":0")).collect();
            format!("{{{}}}", members.join(","))
        };
        assert_eq!(
            parse(&object(4096)).unwrap().as_object().unwrap().len(),
            4096
        );
        // 100,000 keys took seconds when every key was compared with all before it.
        let started = std::time::Instant::now();
        let error = parse(&object(100_000)).unwrap_err().to_string();
        assert!(
            error.starts_with("an object has more than 4096 members"),
            "{error}"
        );
        assert!(started.elapsed().as_secs_f64() < 5.0);
    }
}
