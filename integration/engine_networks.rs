//! Networks through the Docker adapter: several at creation (engines before API 1.44 take one),
//! aliases, static addresses; plus health, rename and kill on the same container.

use std::time::Duration;

use rcompose::engine::{EndpointSpec, Engine, HealthStatus, Healthcheck, Ipam, IpamPool, NetworkSpec, WaitCondition};

use crate::harness::TestProject;

#[tokio::test]
async fn several_networks_static_ips_kill_and_rename() {
    let p = TestProject::new("networks").await;
    let e = &p.engine;
    let front = p.object("front");
    let back = p.object("back");
    // A subnet per test process, so that concurrent runs on one engine do not overlap.
    let subnet = format!("10.231.{}", std::process::id() % 250);
    let static_ip = format!("{subnet}.10");
    let pool = IpamPool { subnet: Some(format!("{subnet}.0/24")), ..Default::default() };
    for (name, ipam) in [(&front, None), (&back, Some(Ipam { pools: vec![pool], ..Default::default() }))] {
        let spec = NetworkSpec { name: name.clone(), labels: p.labels(&[]), ipam, ..Default::default() };
        e.create_network(&spec).await.expect("create network");
    }
    let mut spec = p.busybox("multi", "exec sleep 300");
    spec.networks = vec![
        EndpointSpec { aliases: vec!["f".into()], ..EndpointSpec::new(&front) },
        EndpointSpec { aliases: vec!["b".into()], ipv4_address: Some(static_ip.clone()), ..EndpointSpec::new(&back) },
    ];
    spec.config.healthcheck =
        Some(Healthcheck { test: vec!["CMD".into(), "true".into()], interval: Some(Duration::from_millis(500)), ..Default::default() });
    let id = e.create_container(&spec).await.expect("create on two networks");
    let details = e.inspect_container(&id).await.unwrap();
    assert_eq!(details.networks.keys().collect::<Vec<_>>(), [&back, &front]);
    assert!(details.networks[&front].aliases.contains(&"f".into()));
    assert!(details.networks[&back].aliases.contains(&"b".into()));
    assert_eq!(details.host.network_mode.as_deref(), Some(front.as_str()));
    assert_eq!(details.networks[&back].ipv4_requested.as_deref(), Some(static_ip.as_str()));
    let backend = e.inspect_network(&back).await.unwrap();
    assert_eq!(backend.ipam.pools[0].subnet, Some(format!("{subnet}.0/24")));

    e.start_container(&id).await.unwrap();
    let mut health = HealthStatus::None;
    for _ in 0..40 {
        health = e.inspect_container(&id).await.unwrap().state.health.map(|h| h.status).unwrap_or_default();
        if health == HealthStatus::Healthy {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(health, HealthStatus::Healthy);
    let running = e.inspect_container(&id).await.unwrap();
    assert_eq!(running.networks[&back].ip_address, static_ip);

    let renamed = p.object("renamed");
    e.rename_container(&id, &renamed).await.expect("rename");
    e.kill_container(&renamed, Some("SIGKILL")).await.expect("kill");
    let waited = e.wait_container(&renamed, WaitCondition::NotRunning).await.unwrap();
    assert_eq!(waited.exit_code, 137);
}
