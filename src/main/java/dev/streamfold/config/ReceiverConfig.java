package dev.streamfold.config;

/** {@code receivers.otlp}: OTLP/gRPC and OTLP/HTTP receivers (SPEC 1.1, 6). */
public final class ReceiverConfig {
  public Grpc grpc = new Grpc();
  public Http http = new Http();
  public AuthConfig auth = new AuthConfig();
  /** Items (spans + span events + log records + metric points) admitted but not yet processed by the window. */
  public long maxPendingItems = 500_000;

  public static final class Grpc {
    public boolean enabled = true;
    public String endpoint = "localhost:4317";
    public int maxRecvMsgSizeMib = 4;
    public TlsConfig tls = new TlsConfig();
  }

  public static final class Http {
    public boolean enabled = true;
    public String endpoint = "localhost:4318";
    public int maxRequestBodySizeMib = 20;
    /** Threads serving HTTP requests; 0 = 2 x cores. */
    public int threads = 0;
    public TlsConfig tls = new TlsConfig();
  }

  void validate(Validator v) {
    Validator g = v.section("grpc");
    g.endpoint(grpc.endpoint, "endpoint");
    g.positive(grpc.maxRecvMsgSizeMib, "max_recv_msg_size_mib");
    grpc.tls.validate(g.section("tls"));
    Validator h = v.section("http");
    h.endpoint(http.endpoint, "endpoint");
    h.positive(http.maxRequestBodySizeMib, "max_request_body_size_mib");
    h.nonNegative(http.threads, "threads");
    http.tls.validate(h.section("tls"));
    auth.validate(v.section("auth"));
    v.positive(maxPendingItems, "max_pending_items");
  }
}
