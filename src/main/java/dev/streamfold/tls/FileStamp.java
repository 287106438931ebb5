package dev.streamfold.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What identifies the current content of a few files without reading them: modification time,
 * size and file key (inode) of each, following symbolic links. Kubernetes secret volumes (and so
 * cert-manager) replace files by swapping a symlink, which changes the file key; an editor or
 * {@code cp} changes the modification time. A missing file has a stamp of its own, so its
 * reappearance is a change. Immutable.
 */
record FileStamp(List<Object> parts) {
  static FileStamp of(List<Path> files) {
    List<Object> parts = new ArrayList<>(files.size() * 3);
    for (Path f : files) {
      try {
        BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
        parts.add(a.lastModifiedTime());
        parts.add(a.size());
        parts.add(Objects.requireNonNullElse(a.fileKey(), ""));
      } catch (IOException e) {
        parts.add("missing");
        parts.add(-1L);
        parts.add("");
      }
    }
    return new FileStamp(List.copyOf(parts));
  }
}
