//! The vocabulary of inspections and findings: kinds, states, answers, hazard categories and
//! levels, checklist topics. Each is stored by its code; pages show `<section>.<code>` from the
//! catalogs (`inspection.kind.mutual` …). No I/O.

coded! {
    /// Who inspects: 互查 another member, 自查 the enterprise itself, 专家 an expert, 执法 the bureau.
    InspectionKind(16) { Mutual = "mutual", SelfCheck = "self", Expert = "expert", Regulator = "regulator" }
}

coded! {
    /// planned 待检查 → in_progress 检查中 → submitted 已提交 → reviewed 已审阅; an open one is
    /// cancelled 已取消 when a party leaves the alliance.
    InspectionState(16) { Planned = "planned", InProgress = "in_progress", Submitted = "submitted", Reviewed = "reviewed", Cancelled = "cancelled" }
}

coded! {
    /// The answer to a checklist item: 合格 / 不合格 / 不适用.
    AnswerResult(8) { Pass = "pass", Fail = "fail", NotApplicable = "na" }
}

coded! {
    /// 隐患类别.
    HazardCategory(32) {
        Fire = "fire",
        Electrical = "electrical",
        Machinery = "machinery",
        Hazchem = "hazchem",
        Dust = "dust",
        Confined = "confined",
        SpecialEquipment = "special_equipment",
        Building = "building",
        Other = "other",
    }
}

coded! {
    /// Whether a checklist template (检查表) can be chosen for new inspections.
    TemplateStatus(16) {
        /// In use: offered for new rounds and inspections.
        Active = "active",
        /// 已归档: hidden from the choices, still readable.
        Archived = "archived",
    }
}

coded! {
    /// 一般隐患 / 重大隐患.
    HazardLevel(16) { General = "general", Major = "major" }
}

coded! {
    /// What a checklist template is about (消防, 电气, 粉尘涉爆, 危化品, 有限空间, 综合).
    ChecklistTopic(32) {
        Fire = "fire",
        Electrical = "electrical",
        Dust = "dust",
        Hazchem = "hazchem",
        Confined = "confined",
        General = "general",
    }
}

coded! {
    /// A 互查 round: a draft the committee still adjusts, then published to the members.
    RoundStatus(16) { Draft = "draft", Published = "published" }
}

impl InspectionState {
    /// Whether the inspecting side may still fill in and submit.
    pub fn is_open(self) -> bool {
        matches!(self, InspectionState::Planned | InspectionState::InProgress)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for k in InspectionKind::ALL {
            assert_eq!(InspectionKind::parse(k.as_str()), Some(*k));
        }
        for c in HazardCategory::ALL {
            assert_eq!(HazardCategory::parse(c.as_str()), Some(*c));
        }
        assert_eq!(AnswerResult::parse("na"), Some(AnswerResult::NotApplicable));
        assert_eq!(HazardLevel::parse("重大"), None);
    }
}
