package dev.streamfold.receiver;

import dev.streamfold.config.TestConfig;
import dev.streamfold.telemetry.InMemoryMetrics;
import static dev.streamfold.config.TestConfig.set;
import static org.assertj.core.api.Assertions.assertThat;

import dev.streamfold.config.ReceiverConfig;
import dev.streamfold.tls.Openssl;
import dev.streamfold.tls.TlsFiles;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cert-manager style rotation on the real gRPC receiver (Netty): the files are replaced while it
 * runs; a new connection's handshake gets the new certificate, a connection opened before keeps
 * working without a new handshake.
 */
class CertificateRotationTest {
  @TempDir Path dir;

  /** Trusts the test CA and records the leaf of every server handshake. */
  private static final class Recording extends X509ExtendedTrustManager {
    final List<String> seen = new CopyOnWriteArrayList<>();
    private final X509ExtendedTrustManager ca;

    Recording(X509ExtendedTrustManager ca) {
      this.ca = ca;
    }

    private void record(X509Certificate[] chain) {
      seen.add(chain[0].getSubjectX500Principal().getName());
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      ca.checkServerTrusted(chain, authType, engine);
      record(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      ca.checkServerTrusted(chain, authType, socket);
      record(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      ca.checkServerTrusted(chain, authType);
      record(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      throw new CertificateException("client side only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      throw new CertificateException("client side only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("client side only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return ca.getAcceptedIssuers();
    }
  }

  private static TraceServiceGrpc.TraceServiceBlockingStub stub(ManagedChannel ch) {
    return TraceServiceGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  @Test
  void newConnectionsGetTheRotatedCertificateAndOpenOnesStay() throws Exception {
    Openssl ssl = new Openssl(dir);
    for (String name : new String[] {"first", "second"}) {
      Files.writeString(dir.resolve(name + ".ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    }
    ssl.run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=ca");
    for (String name : new String[] {"first", "second"}) {
      ssl.run("ecparam", "-name", "prime256v1", "-genkey", "-out", name + ".key"); // SEC1, as openssl writes it
      ssl.run("req", "-new", "-key", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name);
      ssl.run("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
          "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext");
    }
    ssl.replace("first.pem", "tls.crt");
    ssl.replace("first.key", "tls.key");
    ReceiverConfig cfg = OtlpGrpcReceiverTest.config();
    cfg = TestConfig.with(cfg, set("grpc.tls.cert_file", dir.resolve("tls.crt").toString()), set("grpc.tls.key_file", dir.resolve("tls.key").toString()));
    OtlpGrpcReceiver r = new OtlpGrpcReceiver(cfg, new RecordingIngress(), new InMemoryMetrics(), SdkFixtures.CLOCK);
    r.start();
    Recording before = new Recording(TlsFiles.trustManager(dir.resolve("ca.pem").toString()));
    Recording after = new Recording(TlsFiles.trustManager(dir.resolve("ca.pem").toString()));
    ManagedChannel old = channel(r.port(), before);
    ManagedChannel fresh = null;
    try {
      stub(old).export(ExportTraceServiceRequest.getDefaultInstance());
      assertThat(before.seen).containsExactly("CN=first");

      ssl.replace("second.pem", "tls.crt");
      ssl.replace("second.key", "tls.key");
      fresh = channel(r.port(), after);
      stub(fresh).export(ExportTraceServiceRequest.getDefaultInstance());
      stub(old).export(ExportTraceServiceRequest.getDefaultInstance());

      assertThat(after.seen).containsExactly("CN=second");
      assertThat(before.seen).as("the open connection was neither dropped nor renegotiated").containsExactly("CN=first");
    } finally {
      old.shutdownNow();
      if (fresh != null) {
        fresh.shutdownNow();
      }
      r.shutdown(Duration.ofSeconds(5));
    }
  }

  private static ManagedChannel channel(int port, Recording trust) {
    ChannelCredentials creds = TlsChannelCredentials.newBuilder().trustManager(trust).build();
    return Grpc.newChannelBuilderForAddress("localhost", port, creds).build();
  }
}
