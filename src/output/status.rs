//! The text of the read-only commands (`ps`, `ls`, `images`, `top`), laid out as Docker Compose
//! lays them out: tables with Go's tabwriter settings, JSON with Go's escaping. Table and JSON
//! come from the same rows.

use serde::Serialize;

use crate::engine::TopResult;
use crate::go::tabwriter::{layout, Line};
use crate::go::template::{Format, TemplateError};
use crate::reconcile::hash::go_json;
use crate::status::images::human_size;
use crate::status::images::ImageRow;
use crate::status::ls::ProjectRow;
use crate::status::ps::PsRow;

/// `ps` as a table: `NAME IMAGE COMMAND SERVICE CREATED STATUS PORTS`.
pub fn ps_table(rows: &[PsRow]) -> String {
    let mut lines = vec![Line::row(["NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "PORTS"])];
    lines.extend(
        rows.iter()
            .map(|r| Line::row([&r.name, &r.image, &r.command, &r.service, &r.running_for, &r.status, &r.ports].map(String::as_str))),
    );
    layout(&lines, 10, 3)
}

/// `ps --format json`: one JSON object per line.
pub fn ps_json(rows: &[PsRow]) -> String {
    rows.iter().map(|r| json(r) + "\n").collect()
}

/// `ls` as a table: `NAME STATUS CONFIG FILES`.
pub fn ls_table(rows: &[ProjectRow]) -> String {
    let mut lines = vec![Line::row(["NAME", "STATUS", "CONFIG FILES"])];
    lines.extend(rows.iter().map(|r| Line::row([r.name.as_str(), &r.status, &r.config_files])));
    layout(&lines, 20, 3)
}

/// `images` as a table: `CONTAINER REPOSITORY TAG PLATFORM IMAGE ID SIZE CREATED`, as Docker
/// Compose 2.40.3 prints it.
pub fn images_table(rows: &[ImageRow]) -> String {
    let mut lines = vec![Line::row(["CONTAINER", "REPOSITORY", "TAG", "PLATFORM", "IMAGE ID", "SIZE", "CREATED"])];
    lines.extend(rows.iter().map(|r| {
        let short: String = r.id.trim_start_matches("sha256:").chars().take(12).collect();
        Line::row([
            r.container_name.clone(),
            r.repository.clone(),
            r.tag.clone(),
            r.platform.clone(),
            short,
            human_size(r.size),
            r.created.clone(),
        ])
    }));
    layout(&lines, 20, 3)
}

/// A list as one JSON array on one line (`ls` and `images` with `--format json`).
pub fn json_array<T: Serialize>(rows: &[T]) -> String {
    format!("[{}]\n", rows.iter().map(json).collect::<Vec<_>>().join(","))
}

/// The column names of `ps --format 'table ...'`, by field, as Docker Compose 2.40.3 names them.
pub const PS_COLUMNS: &[(&str, &str)] = &[
    ("ID", "CONTAINER ID"),
    ("Name", "NAME"),
    ("Project", "PROJECT"),
    ("Service", "SERVICE"),
    ("Image", "IMAGE"),
    ("Command", "COMMAND"),
    ("CreatedAt", "CREATED AT"),
    ("RunningFor", "CREATED"),
    ("Ports", "PORTS"),
    ("State", "STATE"),
    ("Status", "STATUS"),
    ("Size", "SIZE"),
    ("Labels", "LABELS"),
];

/// The column names of `images --format 'table ...'`, by field (Docker Compose 2.40.3 has no
/// templates for `images`: these are its later versions' names).
pub const IMAGE_COLUMNS: &[(&str, &str)] = &[
    ("ContainerName", "CONTAINER"),
    ("ID", "IMAGE ID"),
    ("Repository", "REPOSITORY"),
    ("Tag", "TAG"),
    ("Platform", "PLATFORM"),
    ("Size", "SIZE"),
    ("Created", "CREATED"),
    ("CreatedAt", "CREATED AT"),
    ("LastTagTime", "LAST TAG TIME"),
];

/// The column names of `ls --format 'table ...'` (as for `images`, a later version's).
pub const LS_COLUMNS: &[(&str, &str)] = &[("Name", "NAME"), ("Status", "STATUS"), ("ConfigFiles", "CONFIG FILES")];

/// The `raw` format of `ps`, as Docker Compose writes it.
pub const PS_RAW: &str = "container_id: {{.ID}}\nimage: {{.Image}}\ncommand: {{.Command}}\ncreated_at: {{.CreatedAt}}\n\
    state: {{- pad .State 1 0}}\nstatus: {{- pad .Status 1 0}}\nnames: {{.Names}}\nlabels: {{- pad .Labels 1 0}}\nports: {{- pad .Ports 1 0}}\n";

/// The `raw` format of `images` (a later version's).
pub const IMAGES_RAW: &str = "container_name: {{.ContainerName}}\nrepository: {{.Repository}}\ntag: {{.Tag}}\nplatform: {{.Platform}}\n\
    image_id: {{.ID}}\nsize: {{.Size}}\ncreated: {{.Created}}\n";

/// The `raw` format of `ls` (a later version's).
pub const LS_RAW: &str = "name: {{.Name}}\nstatus: {{.Status}}\nconfig_files: {{.ConfigFiles}}\n";

/// Whether `images` and `ls` accept `format`: Docker Compose 2.40.3 knows only `table` and
/// `json` there; rcompose also takes `raw` and Go templates (what contains `{{`), as later
/// versions do, and refuses the rest as 2.40.3 does.
pub fn listing_format(format: &str) -> Result<(), String> {
    if matches!(format, "" | "table" | "json" | "raw") || format.contains("{{") {
        Ok(())
    } else {
        Err(format!("format value {format:?} could not be parsed: parsing failed"))
    }
}

/// Rows through a `--format` Go template (`go::template`): each row's fields are those of its
/// JSON form, `columns` name them in a table's header.
pub fn templated(format: &str, rows: &[serde_json::Value], columns: &[(&str, &str)]) -> Result<String, TemplateError> {
    Format::parse(format)?.render(rows, columns)
}

/// The fields of a `ps` row in a template: those of its JSON.
pub fn ps_fields(rows: &[PsRow]) -> Vec<serde_json::Value> {
    rows.iter().map(|r| serde_json::to_value(r).unwrap_or_default()).collect()
}

/// The fields of an `images` row in a template, as the table shows them (short id, human
/// size and age).
pub fn image_fields(rows: &[ImageRow]) -> Vec<serde_json::Value> {
    rows.iter()
        .map(|r| {
            serde_json::json!({
                "ContainerName": r.container_name,
                "ID": r.id.trim_start_matches("sha256:").chars().take(12).collect::<String>(),
                "Repository": r.repository,
                "Tag": r.tag,
                "Platform": r.platform,
                "Size": human_size(r.size),
                "Created": r.created,
                "CreatedAt": r.created_at,
                "LastTagTime": r.last_tag_time.clone().unwrap_or_default(),
            })
        })
        .collect()
}

/// The fields of an `ls` row in a template: those of its JSON.
pub fn ls_fields(rows: &[ProjectRow]) -> Vec<serde_json::Value> {
    rows.iter().map(|r| serde_json::to_value(r).unwrap_or_default()).collect()
}

/// `top`: each container's name, then its processes; a blank line after each.
pub fn top_text(containers: &[(String, TopResult)]) -> String {
    let mut out = String::new();
    for (name, top) in containers {
        if top.processes.is_empty() {
            continue;
        }
        let mut lines = vec![Line::row(top.titles.iter().map(String::as_str))];
        lines.extend(top.processes.iter().map(|p| Line::terminated(p.iter().map(String::as_str))));
        out.push_str(name);
        out.push('\n');
        out.push_str(&layout(&lines, 5, 3));
        out.push('\n');
    }
    out
}

fn json<T: Serialize>(value: &T) -> String {
    go_json(&serde_json::to_value(value).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ps_table_pads_like_the_reference() {
        let row = PsRow {
            name: "ps-web-1".into(),
            image: "busybox".into(),
            command: "\"sleep 1000\"".into(),
            service: "web".into(),
            running_for: "4 seconds ago".into(),
            status: "Up 3 seconds".into(),
            ..Default::default()
        };
        assert_eq!(
            ps_table(&[row]),
            "NAME       IMAGE     COMMAND        SERVICE   CREATED         STATUS         PORTS\n\
             ps-web-1   busybox   \"sleep 1000\"   web       4 seconds ago   Up 3 seconds   \n"
        );
    }

    #[test]
    fn json_escapes_like_go() {
        let row = ProjectRow { name: "p".into(), status: "running(1)".into(), config_files: "/a/<b>.yaml".into() };
        assert_eq!(json_array(&[row]), "[{\"Name\":\"p\",\"Status\":\"running(1)\",\"ConfigFiles\":\"/a/\\u003cb\\u003e.yaml\"}]\n");
    }
}
