//! Roles and the portal each one lives in.

use serde::{Deserialize, Serialize};

coded! {
    /// Who a user is; stored in `users.role`.
    Role(24) {
        /// 系统管理员
        Admin = "admin",
        /// 应急管理部门 (bureau officer), bound to a region node.
        Regulator = "regulator",
        /// 联盟委员会成员, bound to one alliance.
        Committee = "committee",
        /// 企业管理员
        EnterpriseAdmin = "enterprise_admin",
        /// 企业员工 / 安全员
        EnterpriseStaff = "enterprise_staff",
        /// 专家
        Expert = "expert",
    }
}

/// The four portals plus the system administration area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Portal {
    Admin,
    Regulator,
    Committee,
    Enterprise,
    Expert,
}

impl Role {
    pub fn portal(self) -> Portal {
        match self {
            Role::Admin => Portal::Admin,
            Role::Regulator => Portal::Regulator,
            Role::Committee => Portal::Committee,
            Role::EnterpriseAdmin | Role::EnterpriseStaff => Portal::Enterprise,
            Role::Expert => Portal::Expert,
        }
    }
}

impl Portal {
    pub const ALL: [Portal; 5] = [
        Portal::Admin,
        Portal::Regulator,
        Portal::Committee,
        Portal::Enterprise,
        Portal::Expert,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Portal::Admin => "admin",
            Portal::Regulator => "regulator",
            Portal::Committee => "committee",
            Portal::Enterprise => "enterprise",
            Portal::Expert => "expert",
        }
    }

    /// The portal's home page.
    pub fn home(self) -> &'static str {
        match self {
            Portal::Admin => "/admin",
            Portal::Regulator => "/regulator",
            Portal::Committee => "/committee",
            Portal::Enterprise => "/enterprise",
            Portal::Expert => "/expert",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_map_to_portals() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(*r));
        }
        assert_eq!(Role::parse("root"), None);
        assert_eq!(Role::EnterpriseStaff.portal(), Portal::Enterprise);
        assert_eq!(Role::Expert.portal().home(), "/expert");
    }
}
