package dev.streamfold.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Root log level and line format ({@code service.log_level}, {@code service.log_format}), set
 * at start-up and again on a config reload. {@code json} uses logback's own {@link JsonEncoder}:
 * one object per line with {@code timestamp} (epoch ms), {@code level}, {@code threadName},
 * {@code loggerName}, {@code formattedMessage} and {@code throwable}. The new appender is attached before
 * the old one is detached, so no line is lost during a switch.
 */
final class LogSetup {
  static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{20} - %msg%n";
  private static final String APPENDER = "STDERR";

  private LogSetup() {}

  static void apply(String level, String format) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
      return;
    }
    ch.qos.logback.classic.Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(level, Level.INFO));
    var old = root.getAppender(APPENDER);
    boolean json = format.equals("json");
    if (old instanceof ConsoleAppender<ILoggingEvent> c && (c.getEncoder() instanceof JsonEncoder) == json) {
      return;
    }
    Encoder<ILoggingEvent> encoder;
    if (json) {
      JsonEncoder e = new JsonEncoder();
      e.setWithSequenceNumber(false);
      e.setWithNanoseconds(false);
      e.setWithContext(false);
      e.setWithMDC(false);
      // the message as a person reads it, not the {} template plus an arguments array
      e.setWithMessage(false);
      e.setWithArguments(false);
      e.setWithFormattedMessage(true);
      encoder = e;
    } else {
      PatternLayoutEncoder e = new PatternLayoutEncoder();
      e.setPattern(PATTERN);
      encoder = e;
    }
    encoder.setContext(ctx);
    encoder.start();
    ConsoleAppender<ILoggingEvent> next = new ConsoleAppender<>();
    next.setContext(ctx);
    next.setTarget("System.err");
    next.setEncoder(encoder);
    next.start();
    if (old != null) {
      old.setName(APPENDER + "-old");
    }
    next.setName(APPENDER);
    root.addAppender(next);
    if (old != null) {
      root.detachAppender(old);
      old.stop();
    }
  }
}
