//! The bigrams (two-character sequences) of the library's texts: what the bigram index holds,
//! so a two-character word (粉尘, 消防, 电气) is found through an index where a trigram index
//! cannot answer it. A word of two characters occurs in a text exactly when it is one of the
//! text's bigrams, so the index is the answer itself, not a first pass needing a recheck.
//!
//! Characters are folded to lower case (where one character lowers to one), as `ILIKE` and the
//! trigram tokenizer match; a bigram holding whitespace is left out, as no word of a query
//! holds one. The migration `m20261204_000015_publication_bigrams` keeps its own copy of these
//! rules for the rows it fills; the two must stay the same.

use std::collections::BTreeSet;

/// `c` in lower case when it lowers to one character, else `c` itself.
fn fold(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// The distinct bigrams of `texts` (each text on its own: none spans two texts), folded.
pub fn of_texts<'a>(texts: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for text in texts {
        let chars: Vec<char> = text.chars().map(fold).collect();
        for pair in chars.windows(2) {
            if !pair[0].is_whitespace() && !pair[1].is_whitespace() {
                out.insert(pair.iter().collect());
            }
        }
    }
    out
}

/// The bigram a word of exactly two characters is (folded); `None` for any other word.
pub fn of_word(word: &str) -> Option<String> {
    let mut chars = word.chars().map(fold);
    match (chars.next(), chars.next(), chars.next()) {
        (Some(a), Some(b), None) if !a.is_whitespace() && !b.is_whitespace() => {
            Some([a, b].iter().collect())
        }
        _ => None,
    }
}

/// A bigram as a token of ASCII letters and digits (its UTF-8 bytes in hex), the form the
/// SQLite FTS5 table holds: any tokenizer keeps it one token, whatever the two characters are
/// (punctuation, `%`, `"`), and it needs no quoting in a query.
pub fn token(bigram: &str) -> String {
    bigram.bytes().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_gives_each_two_character_sequence_once_without_whitespace() {
        let grams = of_texts(["粉尘 涉爆粉尘", "Ab"]);
        let grams: Vec<&str> = grams.iter().map(String::as_str).collect();
        assert_eq!(
            grams,
            vec!["ab", "涉爆", "爆粉", "粉尘"],
            "no 尘涉 across the space"
        );
    }

    #[test]
    fn no_bigram_spans_two_texts() {
        assert!(!of_texts(["粉", "尘"]).contains("粉尘"));
        assert!(of_texts(["粉"]).is_empty());
    }

    #[test]
    fn only_a_two_character_word_is_a_bigram() {
        assert_eq!(of_word("粉尘").as_deref(), Some("粉尘"));
        assert_eq!(of_word("PM").as_deref(), Some("pm"));
        assert_eq!(of_word("%_").as_deref(), Some("%_"));
        assert_eq!(of_word("粉"), None);
        assert_eq!(of_word("粉尘爆"), None);
        assert_eq!(of_word(""), None);
    }

    #[test]
    fn a_token_is_the_hex_of_the_utf8_bytes() {
        assert_eq!(token("粉尘"), "e7b289e5b098");
        assert_eq!(token("a\""), "6122");
    }
}
