package io.pipc.posix;

/**
 * What kind of file a path or descriptor names, as {@code lstat}/{@code fstat} report it.
 */
public enum FileType {
    /** A named pipe. */
    FIFO("a FIFO"),
    /** A regular file. */
    REGULAR("a regular file"),
    /** A directory. */
    DIRECTORY("a directory"),
    /** A symbolic link (only {@code lstat} sees these). */
    SYMLINK("a symbolic link"),
    /** A socket. */
    SOCKET("a socket"),
    /** A device or anything else. */
    OTHER("a device or special file");

    private final String description;

    FileType(String description) {
        this.description = description;
    }

    /**
     * @return the type in words, with its article, for error messages: {@code "a symbolic link"}
     */
    public String description() {
        return description;
    }
}
