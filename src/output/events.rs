//! What `events` prints, as Docker Compose 2.40 prints it: a line per event (followed by an
//! empty line, as Docker Compose's), or with `--json` one object per line, keys in Go's
//! sorted map order. Times are UTC.

use jiff::Timestamp;
use serde_json::{Map, Value};

use crate::compose::ServiceEvent;
use crate::go::json::marshal;

/// `2024-05-01 12:00:00.123456 container start <id> (image=busybox, name=p-web-1)` and an
/// empty line; the attributes sorted by name (Docker Compose prints them in Go's random map
/// order).
pub fn plain(e: &ServiceEvent) -> String {
    let time = timestamp(e.time_nanos).strftime("%Y-%m-%d %H:%M:%S%.6f");
    let attributes: Vec<String> = e.attributes.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{time} container {} {} ({})\n\n", e.action, e.container, attributes.join(", "))
}

/// `{"action":...,"attributes":{...},"id":...,"service":...,"time":...,"type":"container"}`
/// and a newline; the time in RFC 3339 with as many fraction digits as it needs.
pub fn json(e: &ServiceEvent) -> String {
    let attributes: Map<String, Value> = e.attributes.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
    let mut object = Map::new();
    object.insert("action".into(), e.action.clone().into());
    object.insert("attributes".into(), Value::Object(attributes));
    object.insert("id".into(), e.container.clone().into());
    object.insert("service".into(), e.service.clone().into());
    object.insert("time".into(), timestamp(e.time_nanos).to_string().into());
    object.insert("type".into(), "container".into());
    marshal(&Value::Object(object)) + "\n"
}

fn timestamp(nanos: i64) -> Timestamp {
    Timestamp::from_nanosecond(i128::from(nanos)).unwrap_or(Timestamp::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> ServiceEvent {
        ServiceEvent {
            time_nanos: 1_765_048_232_327_264_790,
            service: "b".into(),
            container: "e13abc".into(),
            action: "die".into(),
            attributes: [("name", "p-b-1"), ("image", "busybox"), ("exitCode", "137"), ("note", "<&>")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// The lines Docker Compose 2.40.3 printed for the same event (its attributes sorted).
    #[test]
    fn lines_as_docker_compose_prints_them() {
        assert_eq!(
            plain(&event()),
            "2025-12-06 19:10:32.327264 container die e13abc (exitCode=137, image=busybox, name=p-b-1, note=<&>)\n\n"
        );
        assert_eq!(
            json(&event()),
            r#"{"action":"die","attributes":{"exitCode":"137","image":"busybox","name":"p-b-1","note":"\u003c\u0026\u003e"},"id":"e13abc","service":"b","time":"2025-12-06T19:10:32.32726479Z","type":"container"}"#
                .to_string()
                + "\n"
        );
    }
}
