namespace Weft.Testing;

/// <summary>Removal of a test's temporary directory, which a process or connection that is just stopping may still write into.</summary>
public static class TempDirectories
{
    /// <summary>
    /// Deletes <paramref name="dir"/> with everything in it. A file created during the delete (a SQLite -shm of a
    /// connection closing, etcd's last log line) makes it fail with "directory not empty": it is tried again for up to
    /// two seconds, so a test run leaves nothing in /tmp.
    /// </summary>
    public static void Remove(string dir)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (Directory.Exists(dir))
                {
                    Directory.Delete(dir, recursive: true);
                }
                return;
            }
            catch (IOException) when (attempt < 40)
            {
                Thread.Sleep(50);
            }
        }
    }
}
