"""Where the benchmark's photographs come from: Debian packages (fetched with `apt-get download`, unpacked
with `dpkg-deb -x`, never installed) and the shared reference test data, minus what is not a photograph.

The automatic test in photos.py removes most drawings, renders and UI captures; EXCLUDE removes, by source,
what it lets through and what would be a real duplicate of another kept image (stereo pairs, edited copies of
the same photo, paintings and scans, composites), as found by looking at every kept image once.
"""

import re

# package -> licence of the images we use from it (one line each, from the package's copyright file)
PACKAGES = {
    "gcompris-qt-data": "GPL-3+; its photographs CC BY-SA 3.0 / 4.0, CC BY 2.0 or public domain, per file",
    "opencv-doc": "Apache-2.0 / BSD-3-Clause (OpenCV samples)",
    "python3-skimage": "BSD-3-Clause (scikit-image sample data)",
    "python3-sklearn": "BSD-3-Clause (scikit-learn; china.jpg and flower.jpg are CC BY 2.0 photos)",
    "mate-backgrounds": "GPL-2+ / CC BY-SA 4.0",
    "lomiri-wallpapers-16.04": "CC BY 4.0 / CC BY-SA 3.0 / CC BY-SA 4.0 / CC0, per file",
    "lomiri-wallpapers-20.04": "CC BY 4.0 / CC BY-SA 3.0 / CC BY-SA 4.0 / CC0, per file",
    "plasma-workspace-wallpapers": "GPL-2+",
    "lxqt-themes": "CC BY-SA 3.0 / LGPL-2.1+",
    "stellarium-data": "GPL-2+ (Stellarium's nebula photographs)",
    "extremetuxracer-data": "GPL-2+ (Extreme Tux Racer's terrain photographs)",
}

EXCLUDE = [re.compile(p) for p in (
    # screenshots, documentation figures and annotated results
    r"^gcompris-qt-data:/usr/share/doc/",
    r"^gcompris-qt-data:/usr/share/icons/",
    # (of the documentation's figures only these unedited photographs are kept)
    r"^opencv-doc:/usr/share/doc/opencv-doc/opencv4/html/(?!(227943776_1|230501201_1|Background_Subtraction_Tutorial_frame"
    r"|HDRtoneMapping_memorialSample|Harris_Detector_Original_Image|astra_color|feature_building|space_shuttle"
    r"|studentsSample_input)\.jpg$)",
    r"^opencv-doc:.*/examples/data/(pic\d|imageTextN|sudoku|ela_modified|leuvenB|aloeR|right\d*|rubberwhale2"
    r"|graf3|aero3|starry_night|lena_tmpl|tmpl|mask|text_defect|notes|detect_blob|gradient|chessboard|box\b)",
    r"^opencv-doc:.*/examples/(fuzzy|shape|reg|text/scenetext_segmented|ximgproc|hfs|alphamat/trimaps)",
    # paintings, tapestries, photos with holes cut out (GCompris babyshapes / details)
    r"^gcompris-qt-data:.*babyshapes\.rcc",
    r"(?i)(gogh|portrait|bosschaert|unicorn|eglise|monet|vermeer|rembrandt|painting|klimt|cezanne|renoir|seurat)",
    # renders, abstract and vector art
    r"^gnome-backgrounds:",
    r"^propaganda-debian:",
    r"^mate-backgrounds:.*/(abstract|desktop)/",
    r"^lxqt-themes:.*/(themes/|kde-plasma|plasma-logo|triangles-logo|beam)",
    r"^lomiri-wallpapers.*(Infinite-Sea|analogpattern|Fossa|warty|Ubuntu)",
    r"^plasma-workspace-wallpapers:.*/(Patak|SafeLanding|Canopee|Cluster|Elarun|Flow|Kokkini|Opal|PastelHills"
    r"|Shell|Volna|Next|ScarletTree|Altai|Cascade|Honeywave|IceCold|Kite|Grey|DarkestHour|ColdRipple|Kay"
    r"|ColorfulCups)/",
    # a Plasma wallpaper ships crops of one photo at several aspect ratios: only the landscape ones pass here,
    # and select() keeps one per wallpaper
    r"^plasma-workspace-wallpapers:.*/(images_dark/|\d+x\d+_|(1080x1920|1622x2880|720x1440|1440x2960)\.)",
    r"^python3-skimage:.*/(page|text|horse|checkerboard|logo|colorwheel|chessboard_|color|motorcycle_right"
    r"|motorcycle_disp|microaneurysms|binary_blobs|cells3d|kidney|lily|eagle)",
    r"^stellarium-data:.*/(textures|skycultures|scenery3d|models|data)/",
    r"^extremetuxracer-data:.*/(icy_|snowy_)",
    r"^extremetuxracer-data:.*/courses/",
    # the shared test data: the bridge and its edited copies count once
    r"^testdata:pdq/data/bridge-mods/(?!aaa-orig)",
    r"^testdata:pdq/data/reg-test-input/dih/",
    r"^testdata:pdq/data/misc-images/modes/(?!original)",
)]


def group(source):
    """Sources in one group are copies of one photo (a Plasma wallpaper's sizes): only the largest is kept."""
    m = re.match(r"^plasma-workspace-wallpapers:/usr/share/wallpapers/([^/]+)/", source)
    return m.group(0) if m else source


def excluded(source):
    return any(p.search(source) for p in EXCLUDE)
