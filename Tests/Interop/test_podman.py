"""podman (Debian) pulls an image from kura (vfs storage, no daemon)."""
import shutil
import subprocess
import tempfile

from oci_layout import Layout


def test_podman_pulls_an_image(kura, tmp_path):
    source = Layout(str(tmp_path / "source"))
    image, _ = source.image([4096, 8192], seed=21, tar=True)
    source.tag(image, "v1")
    creds = f"default:{kura.registry_password}"
    reference = f"{kura.registry_host()}/interop/podman:v1"
    copied = subprocess.run(["skopeo", "copy", "--preserve-digests", "--dest-cert-dir", kura.cert_dir, "--dest-creds", creds,
                             f"oci:{source.root}:v1", f"docker://{reference}"], capture_output=True, text=True, timeout=300)
    assert copied.returncode == 0, copied.stderr
    # podman refuses a runroot longer than 50 characters: keep its dirs short.
    storage = tempfile.mkdtemp(prefix="kp-", dir="/tmp")
    common = ["podman", "--storage-driver", "vfs", "--root", storage + "/root", "--runroot", storage + "/run"]
    try:
        check_pull(common, kura, creds, reference, image)
    finally:
        subprocess.run(common + ["system", "reset", "--force"], capture_output=True)
        shutil.rmtree(storage, ignore_errors=True)


def check_pull(common, kura, creds, reference, image):
    pulled = subprocess.run(common + ["pull", "--cert-dir", kura.cert_dir, "--creds", creds, reference],
                            capture_output=True, text=True, timeout=300)
    assert pulled.returncode == 0, pulled.stderr
    listed = subprocess.run(common + ["images", "--format", "{{.Repository}}:{{.Tag}} {{.Digest}}"], capture_output=True, text=True)
    assert f"{kura.registry_host()}/interop/podman:v1 {image['digest']}" in listed.stdout
