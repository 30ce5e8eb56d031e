package io.pipc;

/**
 * The mechanism behind a {@link Pipe}.
 */
public enum Transport {
    /** Two ends in one JVM, made by {@link Pipes#pair()}: no operating-system resources. */
    IN_PROCESS,
    /** Two named pipes (FIFOs) between processes of one user on one host: {@link Pipes#named(String)}. */
    FIFO,
    /** A Unix domain socket: {@link Pipes#server} and {@link Pipes#connect} with a {@code UnixDomainSocketAddress}. */
    UNIX,
    /** A TCP connection: {@link Pipes#remote(String, int)}, or a server and its clients. */
    TCP,
    /** A child process's standard input and output: {@link PipeProcess} and {@link Pipes#parent()}. */
    STDIO
}
