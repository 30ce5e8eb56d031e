package io.pipc.posix;

/**
 * What {@code lstat} or {@code fstat} said about a file: enough to decide whether to trust it.
 *
 * @param type the kind of file
 * @param owner the owner's numeric user id
 * @param permissions the permission bits ({@code mode & 07777}), e.g. {@code 0600}
 * @param device the device the file lives on
 * @param inode the file's inode number on that device
 * @param links how many names the file has; 0 once it was unlinked everywhere
 * @param size its size in bytes (for a regular file, its length)
 */
public record FileStatus(FileType type, int owner, int permissions, long device, long inode, long links, long size) {

    /**
     * @param other another status
     * @return whether both describe the same file (same device and inode)
     */
    public boolean isSameFile(FileStatus other) {
        return device == other.device && inode == other.inode;
    }

    /**
     * @return the status in words for error messages: {@code "a FIFO owned by uid 1000 with mode 0666"}
     */
    public String describe() {
        return type.description() + " owned by uid " + owner + " with mode " + octal(permissions);
    }

    /**
     * @param permissions permission bits
     * @return them as a four-digit octal string, e.g. {@code 0600}
     */
    public static String octal(int permissions) {
        return String.format("%04o", permissions);
    }
}
