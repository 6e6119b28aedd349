//! What `volumes` and `wait` print, as Docker Compose prints it.

use crate::engine::VolumeInfo;
use crate::reconcile::hash::go_json;

use crate::go::tabwriter::{layout, Line};

/// `volumes` as the docker CLI's volume table: `DRIVER VOLUME NAME`.
pub fn volumes_table(volumes: &[VolumeInfo]) -> String {
    let mut lines = vec![Line::row(["DRIVER", "VOLUME NAME"])];
    lines.extend(volumes.iter().map(|v| Line::row([v.driver.as_str(), &v.name])));
    layout(&lines, 10, 3)
}

/// `volumes --format json`: one object per line with the docker CLI's fields, in its order;
/// the fields the engine's volume list does not fill (cluster volumes, usage) are `N/A`.
pub fn volumes_json(volumes: &[VolumeInfo]) -> String {
    volume_fields(volumes).iter().map(|value| go_json(value) + "\n").collect()
}

/// The column names of `volumes --format 'table ...'`, by field, as the docker CLI names them.
pub const VOLUME_COLUMNS: &[(&str, &str)] = &[
    ("ID", "ID"),
    ("Name", "VOLUME NAME"),
    ("Group", "GROUP"),
    ("Driver", "DRIVER"),
    ("Scope", "SCOPE"),
    ("Availability", "AVAILABILITY"),
    ("Mountpoint", "MOUNTPOINT"),
    ("Labels", "LABELS"),
    ("Links", "LINKS"),
    ("Size", "SIZE"),
    ("Status", "STATUS"),
];

/// The `raw` format of `volumes`, as the docker CLI writes it.
pub const VOLUME_RAW: &str = "name: {{.Name}}\\ndriver: {{.Driver}}\\n";

/// Each volume's fields, as `--format json` and templates show them.
pub fn volume_fields(volumes: &[VolumeInfo]) -> Vec<serde_json::Value> {
    volumes
        .iter()
        .map(|v| {
            let labels: Vec<String> = v.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            serde_json::json!({
                "Availability": "N/A",
                "Driver": v.driver,
                "Group": "N/A",
                "Labels": labels.join(","),
                "Links": "N/A",
                "Mountpoint": v.mountpoint,
                "Name": v.name,
                "Scope": v.scope,
                "Size": "N/A",
                "Status": "N/A",
            })
        })
        .collect()
}

/// `-q`: the names alone.
pub fn volume_names(volumes: &[VolumeInfo]) -> String {
    volumes.iter().map(|v| format!("{}\n", v.name)).collect()
}

/// What `wait` prints as each container stops.
pub fn container_exited(id: &str, code: i64) {
    super::stdout(&format!("container {id:?} exited with status code {code}\n"));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn volume(name: &str) -> VolumeInfo {
        VolumeInfo {
            name: name.into(),
            driver: "local".into(),
            mountpoint: format!("/var/lib/docker/volumes/{name}/_data"),
            labels: [("com.docker.compose.project".to_string(), "p".to_string()), ("a".to_string(), "<b>".to_string())].into(),
            scope: "local".into(),
            ..Default::default()
        }
    }

    #[test]
    fn the_table_is_the_docker_clis() {
        assert_eq!(volumes_table(&[volume("p_data")]), "DRIVER    VOLUME NAME\nlocal     p_data\n");
    }

    #[test]
    fn json_has_the_docker_clis_fields_and_escaping() {
        let want = concat!(
            r#"{"Availability":"N/A","Driver":"local","Group":"N/A","Labels":"a=\u003cb\u003e,com.docker.compose.project=p","#,
            r#""Links":"N/A","Mountpoint":"/var/lib/docker/volumes/p_data/_data","Name":"p_data","Scope":"local","Size":"N/A","Status":"N/A"}"#,
            "\n"
        );
        assert_eq!(volumes_json(&[volume("p_data")]), want);
    }
}
