using System.Collections;
using System.Collections.Generic;
using UnityEngine;

namespace Spark.Presets.Platformer2D
{
    /// <summary>
    /// A platform the player can jump up through and stand on, and drop down through on request.
    /// Configures the attached <see cref="PlatformEffector2D"/> for one-way collisions and, when
    /// <see cref="DropThrough"/> is called, ignores the given colliders for a short time.
    /// </summary>
    /// <remarks>
    /// Needs a Collider2D on the same GameObject: a BoxCollider2D, an EdgeCollider2D, or a
    /// TilemapCollider2D merged into a CompositeCollider2D. Ignoring collisions per collider pair,
    /// instead of flipping the effector, keeps the platform solid for enemies and other players
    /// while one character drops.
    /// </remarks>
    [RequireComponent(typeof(PlatformEffector2D))]
    [DisallowMultipleComponent]
    public sealed class OneWayPlatform2D : MonoBehaviour
    {
        [Tooltip("Angle of the platform's solid top surface; smaller values make the edges passable from the side.")]
        [SerializeField, Range(1f, 180f)] private float surfaceArc = 160f;

        private readonly Dictionary<Collider2D, Coroutine> activeDrops = new Dictionary<Collider2D, Coroutine>();
        private Collider2D platformCollider;
        private PlatformEffector2D effector;

        private void Reset()
        {
            Configure();
        }

        private void Awake()
        {
            Configure();
        }

        private void OnValidate()
        {
            if (TryGetComponent(out PlatformEffector2D platformEffector))
            {
                platformEffector.surfaceArc = surfaceArc;
            }
        }

        private void OnDisable()
        {
            // Coroutines stop with the component, so restore any collisions still being ignored.
            foreach (KeyValuePair<Collider2D, Coroutine> drop in activeDrops)
            {
                RestoreCollision(drop.Key);
            }

            activeDrops.Clear();
        }

        /// <summary>
        /// Lets <paramref name="colliders"/> fall through this platform for <paramref name="duration"/>
        /// seconds. Calling it again for a collider that is already dropping restarts its timer.
        /// </summary>
        public void DropThrough(IReadOnlyList<Collider2D> colliders, float duration)
        {
            if (!isActiveAndEnabled || platformCollider == null || colliders == null)
            {
                return;
            }

            for (int i = 0; i < colliders.Count; i++)
            {
                Collider2D other = colliders[i];
                if (other == null || other.isTrigger)
                {
                    continue;
                }

                if (activeDrops.TryGetValue(other, out Coroutine running) && running != null)
                {
                    StopCoroutine(running);
                }

                Physics2D.IgnoreCollision(platformCollider, other, true);
                activeDrops[other] = StartCoroutine(RestoreAfter(other, duration));
            }
        }

        private IEnumerator RestoreAfter(Collider2D other, float duration)
        {
            yield return new WaitForSeconds(duration);
            RestoreCollision(other);
            activeDrops.Remove(other);
        }

        private void RestoreCollision(Collider2D other)
        {
            if (other != null && platformCollider != null)
            {
                Physics2D.IgnoreCollision(platformCollider, other, false);
            }
        }

        private void Configure()
        {
            effector = GetComponent<PlatformEffector2D>();
            platformCollider = GetComponent<Collider2D>();

            // A CompositeCollider2D owns the effector setting when tiles are merged into it.
            CompositeCollider2D composite = GetComponent<CompositeCollider2D>();
            if (composite != null)
            {
                platformCollider = composite;
            }

            if (platformCollider == null)
            {
                Debug.LogError($"{name}: OneWayPlatform2D needs a Collider2D (box, edge or tilemap + composite).", this);
                return;
            }

            platformCollider.usedByEffector = true;
            effector.useOneWay = true;
            effector.useOneWayGrouping = true;
            effector.surfaceArc = surfaceArc;
        }
    }
}
