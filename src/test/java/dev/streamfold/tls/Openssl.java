package dev.streamfold.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Makes keys and certificates with the {@code openssl} CLI in one directory, as an operator would. */
public final class Openssl {
  final Path dir;

  public Openssl(Path dir) {
    this.dir = dir;
  }

  /** Runs {@code openssl args...} in the directory; fails with its output. */
  public void run(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add("openssl");
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("openssl " + String.join(" ", args) + " failed: " + new String(out, StandardCharsets.UTF_8));
    }
  }

  /** A self-signed certificate for localhost with {@code key}. */
  Path selfSigned(String key, String cn) throws IOException, InterruptedException {
    String cert = cn + ".pem";
    run("req", "-x509", "-key", key, "-out", cert, "-days", "2", "-subj", "/CN=" + cn,
        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1");
    return dir.resolve(cert);
  }

  /** A CA (key and certificate). */
  void ca(String name, String signer) throws IOException, InterruptedException {
    run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name + ".key");
    if (signer == null) {
      run("req", "-x509", "-key", name + ".key", "-out", name + ".pem", "-days", "2", "-subj", "/CN=" + name,
          "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign");
    } else {
      Files.writeString(dir.resolve(name + ".ext"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n");
      run("req", "-new", "-key", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name);
      run("x509", "-req", "-in", name + ".csr", "-CA", signer + ".pem", "-CAkey", signer + ".key", "-CAcreateserial",
          "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext");
    }
  }

  /** A localhost server certificate signed by {@code ca}, key {@code name.key}. */
  void leaf(String name, String ca) throws IOException, InterruptedException {
    Files.writeString(dir.resolve(name + ".ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name + ".key");
    run("req", "-new", "-key", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name);
    run("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key", "-CAcreateserial",
        "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext");
  }

  /** Replaces {@code target} by {@code source} the way a secret volume does: a new file moved into place. */
  public void replace(String source, String target) throws IOException {
    Path tmp = dir.resolve(target + ".new");
    Files.copy(dir.resolve(source), tmp, StandardCopyOption.REPLACE_EXISTING);
    Files.move(tmp, dir.resolve(target), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
