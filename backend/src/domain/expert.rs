//! The expert pool (专家库): the specialties an expert serves in and the bounds of a profile.
//! Service requests and their flow build on these (`expert_flow`).

coded! {
    /// A field an expert serves in (专业领域); an expert has one or more.
    Specialty(32) {
        /// 采矿
        Mining = "mining",
        /// 地质
        Geology = "geology",
        /// 通风
        Ventilation = "ventilation",
        /// 机电
        Electromech = "electromech",
        /// 消防
        Fire = "fire",
        /// 危化品
        Hazchem = "hazchem",
        /// 电气
        Electrical = "electrical",
        /// 建筑施工
        Construction = "construction",
        /// 特种设备
        SpecialEquipment = "special_equipment",
        /// 粉尘防爆
        Dust = "dust",
        /// 有限空间
        ConfinedSpace = "confined_space",
    }
}

impl Specialty {
    /// The specialty a name as written in a list of experts stands for (采矿, 危化 or 危化品 …),
    /// for the migration of the older comma-separated column and for imports.
    pub fn from_name(name: &str) -> Option<Specialty> {
        Some(match name.trim() {
            "采矿" => Specialty::Mining,
            "地质" => Specialty::Geology,
            "通风" => Specialty::Ventilation,
            "机电" => Specialty::Electromech,
            "消防" => Specialty::Fire,
            "危化" | "危化品" | "危险化学品" => Specialty::Hazchem,
            "电气" => Specialty::Electrical,
            "建筑施工" | "建筑" => Specialty::Construction,
            "特种设备" => Specialty::SpecialEquipment,
            "粉尘防爆" | "粉尘" => Specialty::Dust,
            "有限空间" => Specialty::ConfinedSpace,
            other => return Specialty::parse(other),
        })
    }
}

/// Longest name, characters (the column holds 50).
pub const MAX_NAME: usize = 50;
/// Longest title (职称, e.g. 高级工程师), characters (the column holds 50).
pub const MAX_TITLE: usize = 50;
/// Longest organisation, characters (the column holds 100).
pub const MAX_ORGANISATION: usize = 100;
/// Most specialties on one expert.
pub const MAX_SPECIALTIES: usize = 6;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_written_read_as_specialties() {
        assert_eq!(Specialty::from_name("危化"), Some(Specialty::Hazchem));
        assert_eq!(Specialty::from_name(" 粉尘防爆 "), Some(Specialty::Dust));
        assert_eq!(
            Specialty::from_name("confined_space"),
            Some(Specialty::ConfinedSpace)
        );
        assert_eq!(Specialty::from_name("烹饪"), None);
    }
}
