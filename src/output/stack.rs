//! The tables of `stack ps`, `stack services` and `stack ls`, with the columns `docker stack`
//! prints, laid out by Go's tabwriter as the docker CLI lays them out.

use crate::go::tabwriter::{layout, Line};
use crate::stack::query::{ServiceRow, StackRow, TaskRow};

/// `ID NAME MODE REPLICAS IMAGE PORTS`.
pub fn services_table(rows: &[ServiceRow]) -> String {
    let mut lines = vec![Line::row(["ID", "NAME", "MODE", "REPLICAS", "IMAGE", "PORTS"])];
    lines.extend(rows.iter().map(|r| Line::row([&r.id, &r.name, &r.mode, &r.replicas, &r.image, &r.ports].map(String::as_str))));
    layout(&lines, 10, 3)
}

/// `ID NAME IMAGE NODE DESIRED STATE CURRENT STATE ERROR PORTS`.
pub fn ps_table(rows: &[TaskRow]) -> String {
    let mut lines = vec![Line::row(["ID", "NAME", "IMAGE", "NODE", "DESIRED STATE", "CURRENT STATE", "ERROR", "PORTS"])];
    lines.extend(rows.iter().map(|r| {
        Line::row([&r.id, &r.name, &r.image, &r.node, &r.desired_state, &r.current_state, &r.error, &r.ports].map(String::as_str))
    }));
    layout(&lines, 10, 3)
}

/// `NAME SERVICES`.
pub fn ls_table(rows: &[StackRow]) -> String {
    let mut lines = vec![Line::row(["NAME", "SERVICES"])];
    lines.extend(rows.iter().map(|r| Line::row([r.name.clone(), r.services.to_string()])));
    layout(&lines, 10, 3)
}
