/* placeholder.c - keeps the capture library non-empty until its first real file lands; delete then. */
typedef int pm_capture_placeholder_t;
