//! 统一社会信用代码 (GB 32100-2015): 18 characters — registration authority, organisation
//! type, 6-digit administrative division, 9-character organisation code (GB 11714, with its
//! own check character) and a final check character over the first 17.

use std::fmt;

/// The 31 characters the code may use (no I, O, S, V, Z); a character's value is its index.
const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct CreditCode(String);

/// Why a code was refused; each maps to a catalog message `credit_code.<kind>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("must be 18 characters")]
    Length,
    #[error("contains a character that is not allowed")]
    Charset,
    #[error("division code is not 6 digits")]
    Division,
    #[error("check character does not match")]
    Checksum,
}

impl CreditCodeError {
    pub fn message_key(self) -> &'static str {
        match self {
            CreditCodeError::Length => "credit_code.length",
            CreditCodeError::Charset => "credit_code.charset",
            CreditCodeError::Division => "credit_code.division",
            CreditCodeError::Checksum => "credit_code.checksum",
        }
    }
}

fn value(c: u8) -> Option<u32> {
    CHARSET.iter().position(|&x| x == c).map(|p| p as u32)
}

/// The check character for the first 17 characters (already known to be in the charset).
fn check_char(first17: &[u8]) -> Option<u8> {
    let mut sum = 0;
    for (c, w) in first17.iter().zip(WEIGHTS) {
        sum += value(*c)? * w;
    }
    let check = (31 - sum % 31) % 31;
    CHARSET.get(check as usize).copied()
}

impl CreditCode {
    /// Accepts surrounding spaces and lower case; stores the canonical upper-case form.
    pub fn parse(input: &str) -> Result<CreditCode, CreditCodeError> {
        let code = input.trim().to_ascii_uppercase();
        let bytes = code.as_bytes();
        if code.chars().count() != 18 {
            return Err(CreditCodeError::Length);
        }
        if bytes.iter().any(|&c| value(c).is_none()) {
            return Err(CreditCodeError::Charset);
        }
        if !bytes[2..8].iter().all(u8::is_ascii_digit) {
            return Err(CreditCodeError::Division);
        }
        if check_char(&bytes[..17]) != Some(bytes[17]) {
            return Err(CreditCodeError::Checksum);
        }
        Ok(CreditCode(code))
    }

    /// The code made of these 17 characters and their check character (for generated data).
    pub fn complete(first17: &str) -> Result<CreditCode, CreditCodeError> {
        let upper = first17.trim().to_ascii_uppercase();
        if upper.chars().count() != 17 {
            return Err(CreditCodeError::Length);
        }
        let check = check_char(upper.as_bytes()).ok_or(CreditCodeError::Charset)?;
        CreditCode::parse(&format!("{upper}{}", check as char))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The six-digit administrative division the code was issued in.
    pub fn division(&self) -> &str {
        &self.0[2..8]
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_codes() {
        // Well-formed codes (the first two are published samples).
        for code in [
            "91350100M000100Y43",
            "91110000802100433B",
            "911100001000147395",
            "91330000142916567N",
        ] {
            assert!(CreditCode::parse(code).is_ok(), "{code}");
        }
        let c = CreditCode::parse(" 91350100m000100y43 ").expect("valid");
        assert_eq!(c.as_str(), "91350100M000100Y43");
        assert_eq!(c.division(), "350100");
    }

    #[test]
    fn refuses_bad_codes_with_the_reason() {
        assert_eq!(
            CreditCode::parse("91350100M000100Y4"),
            Err(CreditCodeError::Length)
        );
        // Eighteen characters (not bytes): the length is right, the character is not.
        assert_eq!(
            CreditCode::parse("91350100M000100Y4三"),
            Err(CreditCodeError::Charset)
        );
        assert_eq!(
            CreditCode::parse("91350100M000I00Y43"),
            Err(CreditCodeError::Charset)
        );
        assert_eq!(
            CreditCode::parse("913501A0M000100Y43"),
            Err(CreditCodeError::Division)
        );
        assert_eq!(
            CreditCode::parse("91350100M000100Y44"),
            Err(CreditCodeError::Checksum)
        );
        assert_eq!(CreditCode::parse(""), Err(CreditCodeError::Length));
    }

    #[test]
    fn completing_seventeen_characters_gives_a_valid_code() {
        let c = CreditCode::complete("91330000142916567").expect("complete");
        assert_eq!(c.as_str(), "91330000142916567N");
        assert_eq!(CreditCode::complete("9133"), Err(CreditCodeError::Length));
        assert_eq!(
            CreditCode::complete("91330000142916I67"),
            Err(CreditCodeError::Charset)
        );
    }

    #[test]
    fn every_single_character_change_is_caught() {
        let good = b"91330000142916567N";
        for i in 0..17 {
            for &c in CHARSET {
                if c == good[i] {
                    continue;
                }
                let mut bad = *good;
                bad[i] = c;
                let s = String::from_utf8(bad.to_vec()).expect("ascii");
                assert!(CreditCode::parse(&s).is_err(), "{s} accepted");
            }
        }
    }
}
