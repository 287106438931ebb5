package dev.streamfold.tls;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;

/** A JSSE TLS echo server on an ephemeral loopback port using a given key manager, and its clients. */
final class Handshakes implements AutoCloseable {
  private final SSLServerSocket server;
  private final List<Socket> accepted = new CopyOnWriteArrayList<>();
  private final List<Socket> clients = new CopyOnWriteArrayList<>();

  Handshakes(KeyManager km) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(new KeyManager[] {km}, null, null);
    server = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::acceptLoop, "tls-echo-accept");
    t.setDaemon(true);
    t.start();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        s.setSoTimeout(30_000); // backstop: an echo thread never blocks close() forever
        accepted.add(s);
        Thread t = new Thread(() -> echo(s), "tls-echo");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void echo(Socket s) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8)) {
      String line;
      while ((line = in.readLine()) != null) {
        out.println(line);
      }
    } catch (IOException e) {
      // the peer went away
    }
  }

  /** A client that completed its handshake, trusting {@code trust}. */
  Client connect(TrustManager trust) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {trust}, null);
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort());
    clients.add(s);
    s.startHandshake();
    return new Client(s);
  }

  @Override
  public void close() throws IOException {
    server.close();
    // Clients first: their close_notify ends the echo threads' reads. Closing an accepted socket
    // while its echo thread is blocked reading it can wait on that read (JSSE duplex close).
    for (Socket s : clients) {
      s.close();
    }
    for (Socket s : accepted) {
      s.close();
    }
  }

  /** One established TLS connection. */
  static final class Client {
    private final SSLSocket socket;
    private final BufferedReader in;
    private final PrintWriter out;

    Client(SSLSocket socket) throws IOException {
      this.socket = socket;
      this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      this.out = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8);
    }

    X509Certificate peer() throws IOException {
      return (X509Certificate) peerChain()[0];
    }

    Certificate[] peerChain() throws IOException {
      return socket.getSession().getPeerCertificates();
    }

    /** Sends a line over the established connection and returns the server's echo. */
    String echo(String line) throws IOException {
      out.println(line);
      return in.readLine();
    }
  }
}
