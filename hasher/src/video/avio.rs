//! FFmpeg input from an in-memory buffer: a custom AVIO context whose read and seek callbacks walk a borrowed
//! byte slice, so a video is never written to disk. The callbacks also enforce the wall-time deadline, since
//! FFmpeg may read a lot while probing before our decode loop gets control back.
//!
//! FFmpeg may read those bytes and nothing else. Some of its demuxers open other inputs named inside the file
//! (DASH manifests, HLS playlists, concat lists, SDP sessions, image sequences, QuickTime data references), over
//! any protocol it has (`http`, `tcp`, `file`, `subfile`, `data`, ...): an uploaded file would make the server
//! fetch URLs of the uploader's choosing. So every input is opened with
//! - the one demuxer the sniffer named ([`VideoContainer::demuxer`]): FFmpeg does not probe;
//! - `format_whitelist` set to [`DEMUXERS`], which FFmpeg checks against whatever demuxer it ends up with;
//! - `protocol_whitelist` empty and an `io_open` callback that refuses, so no nested open can succeed;
//! - an interrupt callback that ends FFmpeg's own waits (and `avformat_find_stream_info`) at the deadline.
//!
//! This is the only module of the crate with `unsafe` code: FFmpeg's custom I/O is a C callback API that
//! ffmpeg-next only offers for owned (`'static`) streams, which would force a copy of the whole video.
#![allow(unsafe_code)]

use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::ptr;
use std::time::Instant;

use ffmpeg::ffi;
use ffmpeg::format::context::Input;
use ffmpeg_next as ffmpeg;

use crate::decode::VideoContainer;

/// Size of the buffer FFmpeg reads through. 64 KiB is FFmpeg's own default for file I/O.
const IO_BUFFER_SIZE: usize = 64 * 1024;

/// The demuxers FFmpeg may use, one per [`VideoContainer`]. FFmpeg matches each comma-separated name of a
/// demuxer (`mov,mp4,m4a,3gp,3g2,mj2`; `matroska,webm`) against this list.
pub(super) const DEMUXERS: &CStr = c"mov,matroska,avi,flv,mpegts,mpeg,asf";

/// What the callbacks see through the opaque pointer.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    deadline: Instant,
}

/// An opened FFmpeg input reading from a borrowed slice. Fields drop in declaration order: the format context
/// first (it may still touch the AVIO context while closing), then the AVIO context and its buffer, then the
/// reader state and the deadline the callbacks point at.
pub(super) struct MemoryInput<'a> {
    input: Input,
    _io: AvioContext,
    _reader: Box<Reader<'a>>,
    _deadline: Box<Instant>,
}

impl std::fmt::Debug for MemoryInput<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryInput").finish_non_exhaustive()
    }
}

impl Deref for MemoryInput<'_> {
    type Target = Input;
    fn deref(&self) -> &Input {
        &self.input
    }
}

impl DerefMut for MemoryInput<'_> {
    fn deref_mut(&mut self) -> &mut Input {
        &mut self.input
    }
}

/// Owns an `AVIOContext` made by `avio_alloc_context` and the buffer it reads into.
struct AvioContext {
    ptr: *mut ffi::AVIOContext,
    _borrow: PhantomData<*mut ()>,
}

impl Drop for AvioContext {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from a successful `avio_alloc_context` and is freed only here, once. FFmpeg may have
        // replaced `buffer` with a reallocation of its own; whatever it points at now is an `av_malloc`
        // allocation owned by this context, which `av_freep` frees and nulls before the context goes.
        unsafe {
            ffi::av_freep(ptr::addr_of_mut!((*self.ptr).buffer).cast::<c_void>());
            ffi::avio_context_free(&mut self.ptr);
        }
    }
}

/// Opens `data` with the demuxer of `container` and reads its stream information. Fails with FFmpeg's error if
/// the bytes are not that container, the header is corrupt, or the deadline passes (`Error::Exit`).
pub(super) fn open(
    data: &[u8],
    container: VideoContainer,
    deadline: Instant,
) -> Result<MemoryInput<'_>, ffmpeg::Error> {
    let name = CString::new(container.demuxer()).map_err(|_| ffmpeg::Error::DemuxerNotFound)?;
    open_with(data, Some(&name), deadline)
}

/// [`open`], or with `demuxer` `None`, FFmpeg's own probing among all its demuxers: only the tests do that, to show
/// that the other guards hold when a file gets past the sniffer to a demuxer that follows references.
fn open_with<'a>(data: &'a [u8], demuxer: Option<&CStr>, deadline: Instant) -> Result<MemoryInput<'a>, ffmpeg::Error> {
    let format_in = match demuxer {
        // SAFETY: a NUL-terminated name; FFmpeg returns a pointer to a static demuxer description, or null.
        Some(name) => match unsafe { ffi::av_find_input_format(name.as_ptr()) } {
            found if found.is_null() => return Err(ffmpeg::Error::DemuxerNotFound),
            found => found,
        },
        None => ptr::null(),
    };
    let mut reader = Box::new(Reader { data, pos: 0, deadline });
    let opaque = ptr::addr_of_mut!(*reader).cast::<c_void>();
    let deadline = Box::new(deadline);

    // SAFETY: a plain allocation; checked for null below.
    let buffer = unsafe { ffi::av_malloc(IO_BUFFER_SIZE) }.cast::<u8>();
    if buffer.is_null() {
        return Err(ffmpeg::Error::Other { errno: ffi::ENOMEM });
    }
    // SAFETY: `buffer` is a live `av_malloc` block of IO_BUFFER_SIZE bytes, handed over to the context;
    // `opaque` points at the boxed reader, which outlives the context (field order of MemoryInput, and the
    // reverse drop order of locals on the error paths below). write_flag 0: read only.
    let ctx = unsafe {
        ffi::avio_alloc_context(buffer, IO_BUFFER_SIZE as c_int, 0, opaque, Some(read_packet), None, Some(seek))
    };
    if ctx.is_null() {
        // SAFETY: the context was not created, so the buffer is still ours to free, once.
        unsafe { ffi::av_free(buffer.cast::<c_void>()) };
        return Err(ffmpeg::Error::Other { errno: ffi::ENOMEM });
    }
    let io = AvioContext { ptr: ctx, _borrow: PhantomData };

    let mut format = FormatGuard::alloc()?;
    // SAFETY: the context is fresh and not yet opened; the deadline box outlives it (field order of MemoryInput).
    unsafe { confine(format.0, &deadline)? };
    // SAFETY: `format` is a fresh, non-null context. With AVFMT_FLAG_CUSTOM_IO FFmpeg uses our `pb` and never
    // closes or frees it (the AvioContext guard does). On failure `avformat_open_input` frees the context and
    // nulls the pointer, so nothing leaks and nothing is freed twice; no file name is given, so nothing is
    // opened. `format_in` is null (probe) or a demuxer FFmpeg gave us.
    let opened = unsafe {
        (*format.0).pb = io.ptr;
        (*format.0).flags |= ffi::AVFMT_FLAG_CUSTOM_IO;
        ffi::avformat_open_input(&mut format.0, ptr::null(), format_in, ptr::null_mut())
    };
    if opened < 0 {
        return Err(ffmpeg::Error::from(opened));
    }
    // SAFETY: `format` is an opened input context; `Input` takes sole ownership and closes it on drop
    // (`avformat_close_input`, which leaves our custom `pb` alone).
    let mut input = unsafe { Input::wrap(format.release()) };
    // SAFETY: the context is open and owned by `input`; no options dictionary is passed.
    let found = unsafe { ffi::avformat_find_stream_info(input.as_mut_ptr(), ptr::null_mut()) };
    if found < 0 {
        return Err(ffmpeg::Error::from(found));
    }
    Ok(MemoryInput { input, _io: io, _reader: reader, _deadline: deadline })
}

/// A format context allocated but not (successfully) opened: freed on drop unless released.
struct FormatGuard(*mut ffi::AVFormatContext);

impl FormatGuard {
    fn alloc() -> Result<Self, ffmpeg::Error> {
        // SAFETY: a plain allocation; checked for null before use.
        let format = unsafe { ffi::avformat_alloc_context() };
        if format.is_null() { Err(ffmpeg::Error::Other { errno: ffi::ENOMEM }) } else { Ok(Self(format)) }
    }

    fn release(mut self) -> *mut ffi::AVFormatContext {
        std::mem::replace(&mut self.0, ptr::null_mut())
    }
}

impl Drop for FormatGuard {
    fn drop(&mut self) {
        // SAFETY: null (released, or freed by a failed `avformat_open_input`), or a context we allocated and
        // nobody else owns; `avformat_free_context` accepts null and frees the whitelists with the context.
        unsafe { ffi::avformat_free_context(self.0) };
    }
}

/// Confines a format context to the bytes of its `pb`: the demuxer whitelist, no protocol, no nested open, and
/// the deadline for FFmpeg's own loops and waits.
///
/// # Safety
/// `format` is a live, unopened context from `avformat_alloc_context`; `deadline` outlives it.
unsafe fn confine(format: *mut ffi::AVFormatContext, deadline: &Instant) -> Result<(), ffmpeg::Error> {
    for (option, value) in [(c"format_whitelist", DEMUXERS), (c"protocol_whitelist", c"")] {
        // SAFETY: `format` is a live context (an AVClass'd object) and both strings are NUL-terminated; FFmpeg
        // copies the value and frees it with the context.
        let set = unsafe { ffi::av_opt_set(format.cast::<c_void>(), option.as_ptr(), value.as_ptr(), 0) };
        if set < 0 {
            return Err(ffmpeg::Error::from(set));
        }
    }
    // SAFETY: `format` is live and not yet shared with any other thread.
    unsafe {
        (*format).io_open = Some(refuse_open);
        (*format).interrupt_callback =
            ffi::AVIOInterruptCB { callback: Some(interrupt), opaque: ptr::from_ref(deadline).cast_mut().cast() };
    }
    Ok(())
}

/// `io_open` of our contexts: demuxers call it for every further input (a manifest's segments, a playlist's
/// entries, a data reference) and nested demuxers inherit it. There is none we want.
///
/// # Safety
/// Called by FFmpeg with its usual arguments; none is touched.
unsafe extern "C" fn refuse_open(
    _format: *mut ffi::AVFormatContext,
    _pb: *mut *mut ffi::AVIOContext,
    _url: *const c_char,
    _flags: c_int,
    _options: *mut *mut ffi::AVDictionary,
) -> c_int {
    ffi::AVERROR(ffi::EPERM)
}

/// FFmpeg's interrupt callback: non-zero (stop) once the deadline has passed.
///
/// # Safety
/// `opaque` is the `Instant` given in [`confine`], alive for as long as the context.
unsafe extern "C" fn interrupt(opaque: *mut c_void) -> c_int {
    // SAFETY: see above; nothing writes the deadline while the context lives.
    let deadline = unsafe { &*opaque.cast_const().cast::<Instant>() };
    c_int::from(Instant::now() >= *deadline)
}

/// AVIO read callback: copies the next bytes of the slice into FFmpeg's buffer.
///
/// # Safety
/// FFmpeg calls it with the `opaque` given to `avio_alloc_context` (a live `Reader`) and a writable buffer of
/// `buf_size` bytes.
unsafe extern "C" fn read_packet(opaque: *mut c_void, buf: *mut u8, buf_size: c_int) -> c_int {
    // SAFETY: `opaque` is the boxed Reader, alive for as long as the AVIO context; FFmpeg calls the callbacks
    // from the one thread that drives the input, so this is the only reference.
    let reader = unsafe { &mut *opaque.cast::<Reader<'_>>() };
    if Instant::now() >= reader.deadline {
        return ffi::AVERROR_EXIT;
    }
    let rest = reader.data.get(reader.pos..).unwrap_or_default();
    let n = rest.len().min(usize::try_from(buf_size).unwrap_or(0));
    if n == 0 {
        return ffi::AVERROR_EOF;
    }
    // SAFETY: `buf` is valid for `buf_size >= n` bytes (FFmpeg's contract) and cannot overlap our slice, which
    // FFmpeg never sees.
    unsafe { ptr::copy_nonoverlapping(rest.as_ptr(), buf, n) };
    reader.pos += n;
    n as c_int
}

/// AVIO seek callback: moves within the slice, or reports its size for `AVSEEK_SIZE`.
///
/// # Safety
/// As for [`read_packet`]: `opaque` is the live `Reader`.
unsafe extern "C" fn seek(opaque: *mut c_void, offset: i64, whence: c_int) -> i64 {
    // SAFETY: see `read_packet`.
    let reader = unsafe { &mut *opaque.cast::<Reader<'_>>() };
    let len = reader.data.len() as i64;
    if whence & ffi::AVSEEK_SIZE != 0 {
        return len;
    }
    let base = match whence & !ffi::AVSEEK_FORCE {
        ffi::SEEK_SET => 0,
        ffi::SEEK_CUR => reader.pos as i64,
        ffi::SEEK_END => len,
        _ => return i64::from(ffi::AVERROR(ffi::EINVAL)),
    };
    // Like a file, a position past the end is allowed (reads there find end of file); before the start is not.
    match base.checked_add(offset).and_then(|target| Some((target, usize::try_from(target).ok()?))) {
        Some((target, pos)) => {
            reader.pos = pos;
            target
        }
        None => i64::from(ffi::AVERROR(ffi::EINVAL)),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::net::TcpListener;
    use std::time::Duration;

    use super::*;

    fn listener() -> (TcpListener, String) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        (listener, url)
    }

    fn soon() -> Instant {
        Instant::now() + Duration::from_secs(5)
    }

    /// Runs `open` on a thread and fails as soon as `listener` sees a connection (FFmpeg would then wait for an
    /// answer that never comes) or the open outlives its deadline by far.
    fn assert_opens_nothing(name: &str, listener: &TcpListener, open: impl FnOnce() -> bool + Send + 'static) {
        let start = Instant::now();
        let opening = std::thread::spawn(open);
        while !opening.is_finished() {
            assert!(listener.accept().is_err(), "{name}: FFmpeg connected to the listener");
            assert!(start.elapsed() < Duration::from_secs(10), "{name}: still opening");
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(!opening.join().unwrap(), "{name}: opened");
        assert!(listener.accept().is_err(), "{name}: FFmpeg connected to the listener");
    }

    /// The sniffer keeps these files from FFmpeg; were one to get past it, FFmpeg's own probing (which picks DASH,
    /// HLS or concat for them) still ends at the demuxer whitelist, and nothing is fetched.
    #[test]
    fn probing_among_all_demuxers_opens_nothing_but_the_bytes() {
        ffmpeg::util::log::set_level(ffmpeg::util::log::Level::Quiet);
        let (listener, url) = listener();
        for (name, bytes) in crate::fuzzing::smuggled_references(&url) {
            assert_opens_nothing(&name, &listener, move || open_with(&bytes, None, soon()).is_ok());
        }
    }

    /// What a demuxer that follows references does: open a URL through the context's `io_open`, or through
    /// FFmpeg's opener with the context's protocol whitelist (nested contexts copy it). Both fail.
    #[test]
    fn a_confined_context_opens_no_nested_input() {
        let (listener, url) = listener();
        let deadline = soon();
        let format = FormatGuard::alloc().unwrap();
        // SAFETY: a fresh context; `deadline` outlives it.
        unsafe { confine(format.0, &deadline).unwrap() };
        let target = CString::new(format!("{url}/x.mp4")).unwrap();

        let mut pb = ptr::null_mut();
        // SAFETY: `io_open` as FFmpeg calls it, with a live context and a NUL-terminated URL.
        let opened = unsafe {
            let io_open = (*format.0).io_open.unwrap();
            io_open(format.0, &mut pb, target.as_ptr(), ffi::AVIO_FLAG_READ, ptr::null_mut())
        };
        assert!(opened < 0 && pb.is_null(), "io_open gave {opened}");

        let mut whitelist = ptr::null_mut();
        // SAFETY: reading a string option of a live context; FFmpeg allocates the copy, freed below.
        let got = unsafe { ffi::av_opt_get(format.0.cast(), c"protocol_whitelist".as_ptr(), 0, &mut whitelist) };
        assert!(got >= 0 && !whitelist.is_null(), "the context has a protocol whitelist");
        let mut options = ptr::null_mut();
        // SAFETY: `whitelist` is a NUL-terminated copy; the dictionary copies it and is freed below, as is any
        // context avio_open2 would return (it must not).
        let opened = unsafe {
            ffi::av_dict_set(&mut options, c"protocol_whitelist".as_ptr(), whitelist.cast(), 0);
            ffi::av_free(whitelist.cast());
            let opened = ffi::avio_open2(&mut pb, target.as_ptr(), ffi::AVIO_FLAG_READ, ptr::null(), &mut options);
            ffi::av_dict_free(&mut options);
            if opened >= 0 {
                ffi::avio_closep(&mut pb);
            }
            opened
        };
        assert!(opened < 0, "the protocol whitelist let {url} open");
        assert!(listener.accept().is_err(), "FFmpeg connected to the listener");
    }

    #[test]
    fn the_interrupt_callback_stops_ffmpeg_at_the_deadline() {
        let format = FormatGuard::alloc().unwrap();
        let later = soon();
        let past = Instant::now();
        for (deadline, stop) in [(later, 0), (past, 1)] {
            // SAFETY: a live, unopened context; `deadline` outlives the call to the callback below.
            let callback = unsafe {
                confine(format.0, &deadline).unwrap();
                (*format.0).interrupt_callback
            };
            // SAFETY: the callback with its own opaque pointer, as FFmpeg calls it.
            assert_eq!(unsafe { callback.callback.unwrap()(callback.opaque) }, stop);
        }
    }
}
