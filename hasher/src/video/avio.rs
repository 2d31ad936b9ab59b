//! FFmpeg input from an in-memory buffer: a custom AVIO context whose read and seek callbacks walk a borrowed
//! byte slice, so a video is never written to disk. The callbacks also enforce the wall-time deadline, since
//! FFmpeg may read a lot while probing before our decode loop gets control back.
//!
//! This is the only module of the crate with `unsafe` code: FFmpeg's custom I/O is a C callback API that
//! ffmpeg-next only offers for owned (`'static`) streams, which would force a copy of the whole video.
#![allow(unsafe_code)]

use std::ffi::{c_int, c_void};
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::ptr;
use std::time::Instant;

use ffmpeg::ffi;
use ffmpeg::format::context::Input;
use ffmpeg_next as ffmpeg;

/// Size of the buffer FFmpeg reads through. 64 KiB is FFmpeg's own default for file I/O.
const IO_BUFFER_SIZE: usize = 64 * 1024;

/// What the callbacks see through the opaque pointer.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    deadline: Instant,
}

/// An opened FFmpeg input reading from a borrowed slice. Fields drop in declaration order: the format context
/// first (it may still touch the AVIO context while closing), then the AVIO context and its buffer, then the
/// reader state the callbacks point at.
pub(super) struct MemoryInput<'a> {
    input: Input,
    _io: AvioContext,
    _reader: Box<Reader<'a>>,
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

/// Opens `data` as a media file and reads its stream information. Fails with FFmpeg's error if the format is
/// not recognised, the header is corrupt, or the deadline passes (`Error::Exit`).
pub(super) fn open(data: &[u8], deadline: Instant) -> Result<MemoryInput<'_>, ffmpeg::Error> {
    let mut reader = Box::new(Reader { data, pos: 0, deadline });
    let opaque = ptr::addr_of_mut!(*reader).cast::<c_void>();

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

    // SAFETY: a plain allocation; checked for null before use.
    let mut format = unsafe { ffi::avformat_alloc_context() };
    if format.is_null() {
        return Err(ffmpeg::Error::Other { errno: ffi::ENOMEM });
    }
    // SAFETY: `format` is a fresh, non-null context. With AVFMT_FLAG_CUSTOM_IO FFmpeg uses our `pb` and never
    // closes or frees it (the AvioContext guard does). On failure `avformat_open_input` frees the context and
    // nulls `format`, so nothing leaks and nothing is freed twice; no file name is given, so nothing is opened.
    let opened = unsafe {
        (*format).pb = io.ptr;
        (*format).flags |= ffi::AVFMT_FLAG_CUSTOM_IO;
        ffi::avformat_open_input(&mut format, ptr::null(), ptr::null(), ptr::null_mut())
    };
    if opened < 0 {
        return Err(ffmpeg::Error::from(opened));
    }
    // SAFETY: `format` is an opened input context; `Input` takes sole ownership and closes it on drop
    // (`avformat_close_input`, which leaves our custom `pb` alone).
    let mut input = unsafe { Input::wrap(format) };
    // SAFETY: the context is open and owned by `input`; no options dictionary is passed.
    let found = unsafe { ffi::avformat_find_stream_info(input.as_mut_ptr(), ptr::null_mut()) };
    if found < 0 {
        return Err(ffmpeg::Error::from(found));
    }
    Ok(MemoryInput { input, _io: io, _reader: reader })
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
