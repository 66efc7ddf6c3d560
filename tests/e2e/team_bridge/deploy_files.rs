//! The example deployment in `deploy/` is not just prose: the policy file
//! and the ConfigMap's copy of it start the real bridge (every key exists,
//! every value is in range), the Deployment's grace outlasts the policy's
//! drain and its pods run non-root and read-only with probes on `/healthz`
//! and `/readyz`, and HAProxy accepts `deploy/haproxy/haproxy.cfg` (`-c`,
//! with a throw-away certificate in place of the real one).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use libtest_mimic::Failed;
use smtplab_e2e::bridge_process::{binary, Bridge};
use smtplab_e2e::test_ca::ServerIdentity;
use smtplab_e2e::MailServer;

fn deploy(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../deploy")
        .join(path)
}

fn read(path: &str) -> Result<String, String> {
    std::fs::read_to_string(deploy(path)).map_err(|e| format!("deploy/{path}: {e}"))
}

/// The TOML inside the ConfigMap (`smtplab.toml: |`, indented 4).
fn configmap_policy(yaml: &str) -> String {
    yaml.lines()
        .skip_while(|l| l.trim() != "smtplab.toml: |")
        .skip(1)
        .take_while(|l| l.starts_with("    ") || l.trim().is_empty())
        .map(|l| l.strip_prefix("    ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The integer after `key:` in a YAML file (first occurrence).
fn yaml_number(yaml: &str, key: &str) -> Option<u64> {
    yaml.lines()
        .find_map(|l| l.trim().strip_prefix(&format!("{key}:")))
        .and_then(|v| v.trim().parse().ok())
}

/// Starts the bridge with `policy` (on loopback instead of its address)
/// and stops it: the policy is accepted.
fn starts_with(policy: &str, what: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let file = dir.path().join("smtplab.toml");
    std::fs::write(&file, policy).map_err(|e| e.to_string())?;
    let mut command = Command::new(binary().map_err(|e| e.to_string())?);
    command
        .args(["serve", "--no-browser", "--config"])
        .arg(&file)
        .args(["--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"])
        .env("SMTPLAB_NO_BROWSER", "1");
    let bridge = Bridge::spawn_command(command, String::new(), Duration::from_secs(30))
        .map_err(|e| format!("{what} does not start the bridge: {e}"))?;
    drop(bridge);
    Ok(())
}

/// The trial (the mail server is not used).
pub(crate) fn are_valid(_: &MailServer) -> Result<(), Failed> {
    let policy = read("smtplab.toml")?;
    starts_with(&policy, "deploy/smtplab.toml")?;
    let configmap = read("kubernetes/configmap.yaml")?;
    let cm_policy = configmap_policy(&configmap);
    if !cm_policy.contains("trust_proxy_header") {
        return Err(format!("no policy found in the ConfigMap:\n{cm_policy}").into());
    }
    starts_with(&cm_policy, "the ConfigMap's policy")?;

    let grace_ms = cm_policy
        .lines()
        .find_map(|l| l.trim().strip_prefix("shutdown_grace_ms ="))
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or("the ConfigMap's policy sets no shutdown_grace_ms")?;
    let deployment = read("kubernetes/deployment.yaml")?;
    let termination = yaml_number(&deployment, "terminationGracePeriodSeconds")
        .ok_or("no terminationGracePeriodSeconds")?;
    if termination * 1000 <= grace_ms {
        return Err(format!(
            "terminationGracePeriodSeconds {termination} s does not outlast shutdown_grace_ms {grace_ms}"
        )
        .into());
    }
    for needle in [
        "runAsNonRoot: true",
        "runAsUser: 65532",
        "readOnlyRootFilesystem: true",
        "allowPrivilegeEscalation: false",
        "path: /healthz",
        "path: /readyz",
        "mountPath: /etc/smtplab",
    ] {
        if !deployment.contains(needle) {
            return Err(format!("deploy/kubernetes/deployment.yaml lacks {needle:?}").into());
        }
    }
    let ingress = read("kubernetes/ingress.yaml")?;
    for needle in ["proxy-read-timeout", "auth-url", "auth-response-headers"] {
        if !ingress.contains(needle) {
            return Err(format!("deploy/kubernetes/ingress.yaml lacks {needle:?}").into());
        }
    }

    // HAProxy's own check of the single-host config.
    let identity =
        ServerIdentity::self_signed(&["smtplab.example.org"], 1).map_err(|e| e.to_string())?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let pem = dir.path().join("smtplab.pem");
    std::fs::write(&pem, format!("{}{}", identity.cert_pem, identity.key_pem))
        .map_err(|e| e.to_string())?;
    let cfg = read("haproxy/haproxy.cfg")?.replace(
        "/etc/haproxy/certs/smtplab.example.org.pem",
        &pem.display().to_string(),
    );
    let cfg_path = dir.path().join("haproxy.cfg");
    std::fs::write(&cfg_path, cfg).map_err(|e| e.to_string())?;
    let checked = Command::new("haproxy")
        .arg("-c")
        .arg("-f")
        .arg(&cfg_path)
        .output()
        .map_err(|e| format!("haproxy -c: {e}"))?;
    if !checked.status.success() {
        return Err(format!(
            "haproxy -c refuses deploy/haproxy/haproxy.cfg: {}",
            String::from_utf8_lossy(&checked.stderr)
        )
        .into());
    }
    Ok(())
}
