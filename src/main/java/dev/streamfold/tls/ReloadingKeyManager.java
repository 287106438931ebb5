package dev.streamfold.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A key manager whose certificate chain and key follow their files: every handshake checks the
 * files' stamps and, when they changed, loads the new pair (see {@link Reloadable}). Connections
 * already established keep the certificate they were set up with; only new handshakes see the
 * new one. Aliases carry the generation ({@code 3:key}) so that a handshake that chose an alias
 * just before a reload still gets the chain and key of the same generation. Thread-safe.
 */
public final class ReloadingKeyManager extends X509ExtendedKeyManager {
  private final Reloadable<KeyMaterial> managers;

  ReloadingKeyManager(Reloadable<KeyMaterial> managers) {
    this.managers = managers;
  }

  /** The leaf certificate new handshakes present (after a reload check). */
  public X509Certificate currentCertificate() {
    return managers.current().value().chain().get(0);
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    Reloadable.Loaded<KeyMaterial> c = managers.current();
    return prefix(c, c.value().manager().getClientAliases(keyType, issuers));
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    Reloadable.Loaded<KeyMaterial> c = managers.current();
    return prefix(c, c.value().manager().chooseClientAlias(keyType, issuers, socket));
  }

  @Override
  public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
    Reloadable.Loaded<KeyMaterial> c = managers.current();
    return prefix(c, c.value().manager().chooseEngineClientAlias(keyType, issuers, engine));
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    Reloadable.Loaded<KeyMaterial> c = managers.current();
    return prefix(c, c.value().manager().getServerAliases(keyType, issuers));
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    Reloadable.Loaded<KeyMaterial> c = managers.current();
    return prefix(c, c.value().manager().chooseServerAlias(keyType, issuers, socket));
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    Reloadable.Loaded<KeyMaterial> c = managers.current();
    return prefix(c, c.value().manager().chooseEngineServerAlias(keyType, issuers, engine));
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    Reloadable.Loaded<KeyMaterial> l = loaded(alias);
    return l == null ? null : l.value().manager().getCertificateChain(inner(alias));
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    Reloadable.Loaded<KeyMaterial> l = loaded(alias);
    return l == null ? null : l.value().manager().getPrivateKey(inner(alias));
  }

  private static String prefix(Reloadable.Loaded<?> c, String alias) {
    return alias == null ? null : c.generation() + ":" + alias;
  }

  private static String[] prefix(Reloadable.Loaded<?> c, String[] aliases) {
    if (aliases == null) {
      return null;
    }
    String[] out = new String[aliases.length];
    for (int i = 0; i < aliases.length; i++) {
      out[i] = prefix(c, aliases[i]);
    }
    return out;
  }

  private Reloadable.Loaded<KeyMaterial> loaded(String alias) {
    int colon = alias == null ? -1 : alias.indexOf(':');
    if (colon <= 0) {
      return null;
    }
    try {
      return managers.generation(Long.parseLong(alias.substring(0, colon)));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static String inner(String alias) {
    return alias.substring(alias.indexOf(':') + 1);
  }
}
